"""Validation tools: proper scores, dyad predictions, joint checks that can fail."""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import escalation as esc
from escalation.validate import scores
from escalation.validate.joint import evaluate, joint_checks
from escalation.validate.predict import observed_dyads, predict

DATA = Path(esc.__file__).parent / "data" / "scenarios"
POSTERIOR = DATA / "nato-russia-posterior.json"
SCENARIO = DATA / "nato-russia-2021.yaml"


def test_crps_matches_pairwise_definition() -> None:
    rng = np.random.default_rng(3)
    x = rng.normal(size=40)
    y = 0.3
    direct = np.mean(np.abs(x - y)) - 0.5 * np.mean(np.abs(x[:, None] - x[None, :]))
    assert scores.crps(x, y) == pytest.approx(direct, rel=1e-12)
    # One point mass: CRPS is the absolute error.
    assert scores.crps([2.0, 2.0], 5.0) == pytest.approx(3.0)
    assert math.isnan(scores.crps([math.nan], 1.0))


@settings(max_examples=50, deadline=None)
@given(st.lists(st.floats(-1e3, 1e3), min_size=1, max_size=30), st.floats(-1e3, 1e3))
def test_crps_is_nonnegative_and_proper_against_shift(xs: list[float], y: float) -> None:
    value = scores.crps(xs, y)
    assert value >= -1e-9
    # Moving every draw onto the observation cannot score worse than anything else.
    assert scores.crps([y] * len(xs), y) <= value + 1e-9


def test_brier_log_pit() -> None:
    assert scores.brier(0.8, True) == pytest.approx(0.04)
    assert scores.brier(0.8, False) == pytest.approx(0.64)
    # Add-half smoothing keeps unseen outcomes finite.
    assert scores.log_score([0] * 99, 1) == pytest.approx(-math.log(0.5 / 100))
    assert scores.pit([1, 2, 3, 4], 2.5) == 0.5
    assert scores.pit([1, 1, 1, 1], 1.0) == 0.5
    lo, hi = scores.binomial_interval(0, 200)
    assert lo == 0.0 and hi < 0.02


def test_pit_of_calibrated_forecast_is_uniform() -> None:
    rng = np.random.default_rng(0)
    values = [scores.pit(rng.poisson(3, 400), float(rng.poisson(3)), rng) for _ in range(400)]
    counts = np.histogram(values, bins=4, range=(0, 1))[0]
    assert counts.min() > 60  # 100 expected per bin; a midpoint PIT would pile up


def test_predict_posterior_on_2021_scores_the_record() -> None:
    posterior = esc.load_posterior(POSTERIOR)
    pred = esc.predict(posterior, SCENARIO, runs=120, seed=4)
    assert pred.dyads == (("nato", "russia"),)
    row = pred.summary()[0]
    assert 0.5 < row["p_answered"] <= 1  # the fit saw 2021 answered (and 2018 in kind)
    # Same seed, same prediction; the scenario's own posterior: file gives the same kind of thing.
    again = predict(posterior, SCENARIO, runs=120, seed=4)
    assert np.array_equal(
        again.draws[("nato", "russia")].lag, pred.draws[("nato", "russia")].lag, equal_nan=True
    )
    observed = observed_dyads("nato-russia", "2021-10-05", 730)
    assert observed[0].answered and observed[0].lag == 12.0 and observed[0].ruptured
    rows = {r["outcome"]: r for r in pred.score(observed)}
    assert set(rows) >= {"answered", "lag", "answer_kind", "ruptured", "time_to_rupture"}
    assert rows["answered"]["brier"] == pytest.approx(
        (1 - (row["p_answered"] * 120 + 0.5) / 121) ** 2
    )
    assert 0 <= rows["lag"]["pit"] <= 1 and rows["lag"]["crps"] > 0


def test_predict_rejects_bad_arguments() -> None:
    with pytest.raises(ValueError, match="runs"):
        predict(SCENARIO, runs=0)
    with pytest.raises(ValueError, match="scenario"):
        predict(esc.load_posterior(POSTERIOR))


def test_joint_checks_use_runs_at_risk() -> None:
    names = ("a.answered", "a.ruptured", "b.answered", "b.ruptured")
    observed = np.array([0.0, 0.0, 0.0, 1.0])
    # Draw 0 ruptured in a; draws 1-2 reproduce a; draw 2 also reproduces b.
    sims = np.array([[0, 1, 0, 1], [0, 0, 0, 0], [0, 0, 0, 1]], dtype=float)
    res = evaluate(names, observed, sims)
    assert res.row("a")["p"] == pytest.approx(2 / 3)
    assert res.row("b")["at_risk"] == 2
    assert res.row("b")["p_ruptured"] == pytest.approx(0.5)
    assert res.row("all")["p"] == pytest.approx(1 / 3)


@pytest.mark.slow
def test_joint_checks_reject_a_wrong_posterior_and_report_the_bundled_one() -> None:
    posterior = esc.load_posterior(POSTERIOR)
    names = posterior.priors.names
    particles = np.array(posterior.particles)
    # Moscow answers only at a stock of 20 and breaks only at 60: 2021 cannot be reproduced
    particles[:, names.index("russia.threshold")] = 20.0
    particles[:, names.index("russia.rupture_gap")] = 40.0
    wrong = dataclasses.replace(posterior, particles=particles)
    assert joint_checks(wrong, 200, seed=1).rejected
    bundled = joint_checks(posterior, 200, seed=1)
    # Reported, not asserted to pass: about 0.1 of draws reproduce both (see issue 10's note).
    assert 0.0 <= bundled.row("all")["p"] <= 1.0
    print(bundled.table())
    assert [r["episode"] for r in bundled.rows] == ["wave2018", "nato.2018", "nato.2021", "all"]
    # draws that broke with NATO in 2018 are not at risk in 2021 (same run); the wave is its own
    assert bundled.row("nato.2018")["at_risk"] == 200
    broke = round(200 * bundled.row("nato.2018")["p_ruptured"])
    assert bundled.row("nato.2021")["at_risk"] == 200 - broke


@pytest.mark.slow
def test_cross_validation_scores_each_left_out_episode(tmp_path: Path) -> None:
    from escalation.cli import main
    from escalation.validate.crossval import NULLS, cross_validate

    cv = cross_validate(
        "nato-russia-2021", "nato-russia", population=16, generations=2, draws=40, boot=20, seed=2
    )
    folds = {r["left_out"] for r in cv.rows}
    assert folds == {"2018", "2021"}
    assert {r["null"] for r in cv.rows} == set(NULLS)
    never_2018 = next(
        r
        for r in cv.rows
        if r["left_out"] == "2018" and r["null"] == "never" and r["outcome"] == "answered"
    )
    # 2018 had no answer: "never answers" scores a perfect Brier of 0 there.
    assert never_2018["null_score"] == 0.0 and never_2018["difference"] >= 0.0
    lo, hi = never_2018["difference_interval"]
    assert lo <= never_2018["difference"] + 1e-9 and hi >= lo
    assert "left_out,outcome" in cv.to_csv()
    # The command writes the same table and its plot; bad input exits 2 with nothing written.
    out = tmp_path / "cv"
    args = [
        "validate-model",
        "nato-russia-2021",
        "nato-russia",
        "--out",
        str(out),
        "--population",
        "20",
        "--generations",
        "2",
        "--draws",
        "30",
    ]
    assert main(args) == 0
    assert (out / "crossval.csv").read_text().startswith("left_out,outcome")
    assert (out / "crossval.png").stat().st_size > 1000
    assert main(["validate-model", "nope.yaml", "nato-russia", "--out", str(tmp_path / "x")]) == 2
    assert not (tmp_path / "x").exists()


@pytest.mark.slow
def test_sweep_pairs_seeds_and_sobol_finds_the_inert_parameter() -> None:
    pytest.importorskip("pandas")
    from escalation.validate.sweep import sweep

    grid = {"russia.rupture_gap": [0.5, 40.0], "russia.lag.median": [5.0]}
    frame = sweep("nato-russia-2021", grid, runs=50, seed=5)
    assert list(frame.columns[:4]) == ["point", "russia.rupture_gap", "russia.lag.median", "run"]
    rates = frame.groupby("russia.rupture_gap")["ruptured"].mean()
    # the scenario's posterior: is set aside; a gap of 40 puts the break beyond NATO's package
    # (only a long exchange afterwards can reach it), a gap of 0.5 within it
    assert rates[0.5] > 0.9 and rates[40.0] < 0.3
    pytest.importorskip("SALib")
    from escalation.validate.sensitivity import sobol_indices

    bounds = {"russia.rupture_gap": (0.5, 40.0), "russia.delay.median": (1.0, 120.0)}
    res = sobol_indices("nato-russia-2021", bounds, n=16, runs=20, seed=1)
    p = res[res.output == "p_rupture"].set_index("parameter")
    # How far the break lies above the answer threshold drives P(rupture); when the answer
    # takes effect does not.
    assert p.loc["russia.rupture_gap", "ST"] > 0.5
    assert p.loc["russia.delay.median", "ST"] < 0.1


def test_p_rupture_of_a_posterior_with_its_cluster_error() -> None:
    pytest.importorskip("pandas")
    from escalation.validate.mcerror import p_rupture

    posterior = esc.load_posterior(POSTERIOR)
    # Without the cap cut, whether Moscow breaks depends on the particle (with it, nearly all do)
    scenario = esc.load_scenario(SCENARIO).without_trigger("nato-2021-cap")
    p, se = p_rupture(posterior, scenario, particles=40, runs=10, seed=1)
    assert 0.2 < p < 0.9 and 0.0 < se < 0.15
    assert p_rupture(posterior, scenario, particles=40, runs=10, seed=1) == (p, se)


def _record() -> object:
    from escalation.calibrate.episodeset import problem_of

    return problem_of(esc.load_posterior(POSTERIOR))


@pytest.mark.slow
def test_leave_out_scores_each_episode_of_the_record_against_null_models() -> None:
    from escalation.validate.crossval import verdict
    from escalation.validate.leaveout import NULLS, labels, leave_out

    record = _record()
    assert labels(record) == ["wave2018", "nato.2018", "nato.2021"]
    settings = dict(population=12, generations=2, draws=20, boot=30, seed=3)
    cv = leave_out(record, **settings)
    assert list(cv.aggregate) == ["wave2018", "nato.2018+nato.2021"]
    assert {r["null"] for r in cv.rows} == set(NULLS)
    row = {(r["left_out"], r["outcome"], r["null"]): r for r in cv.rows}
    # Played in the simulator, "never answers" leaves every dyad of the wave unanswered: its
    # CRPS on the share answered is that share; on NATO 2018 (not answered) it is exact.
    assert row[("wave2018", "answered", "never")]["null_score"] == pytest.approx(29 / 30)
    assert row[("nato.2018", "answered", "never")]["null_score"] == 0.0
    # Tit-for-tat answers every dyad 1:1 (log ratio 0, as documented) after the training lag:
    # fitted on NATO's episodes, that is 2021's 12 days against the wave's median of 4.
    assert row[("wave2018", "ratio.q50", "tit-for-tat")]["null_score"] == pytest.approx(0.0)
    assert row[("wave2018", "lag.q50", "tit-for-tat")]["null_score"] == pytest.approx(8.0)
    # The NATO episodes hold no in-kind share: the empirical null does not define it.
    assert verdict(row[("wave2018", "in_kind", "empirical")]) == "n/a"
    for r in cv.rows:
        lo, hi = r["difference_interval"]
        if math.isfinite(r["difference"]):
            assert lo <= r["difference"] <= hi
    assert row[("nato.2021", "ruptured", "never")]["rule"] == "Brier"
    again = leave_out(record, **settings)
    assert [r["model_score"] for r in again.rows] == [r["model_score"] for r in cv.rows]
    with pytest.raises(ValueError, match="labels"):
        leave_out(record, groups=[["nato"]], **settings)


@pytest.mark.slow
def test_model_choice_ranks_a_family_that_never_answers_last() -> None:
    from escalation.validate.modelchoice import FAMILIES, compare_families

    record = _record()
    never = {
        "policies": {"russia": {"type": "passive"}},
        "parameters": {"russia.lag.median": {"dist": "uniform", "low": 1, "high": 2}},
    }
    families = {"reciprocity": None, "tit-for-tat": FAMILIES["tit-for-tat"], "never": never}
    settings = dict(population=12, generations=2, draws=20, boot=30)
    choice = compare_families(record, families, seed=4, **settings)
    rows = {(r["fold"], r["family"]): r for r in choice.rows()}
    assert {f for f, _ in rows} == {"wave2018", "nato.2018+nato.2021", "all"}
    # A Moscow that never answers cannot predict a wave it answered 29 times in 30.
    assert choice.preferred() != "never"
    assert rows[("all", "never")]["difference_interval"][0] > 0
    assert rows[("all", choice.preferred())]["difference"] == 0.0
    print(choice.table())
    with pytest.raises(ValueError, match="other settings"):
        compare_families(
            record,
            ["reciprocity", "tit-for-tat"],
            done={"reciprocity": choice.runs["never"]},
            population=13,
            generations=2,
            draws=20,
            boot=30,
        )


@pytest.mark.slow
def test_sbc_runs_on_the_bundled_episode_set() -> None:
    from escalation.validate.sbc import sbc

    record = _record()
    result = sbc(
        record,
        replicates=2,
        population=12,
        generations=2,
        posterior_draws=9,
        bins=2,
        seed=5,
        kernel="local",
    )
    assert result.names == record.priors.names
    assert result.ranks.shape == (2, 7) and ((result.ranks >= 0) & (result.ranks <= 9)).all()
    assert result.settings["kernel"] == "local"


@pytest.mark.slow
def test_sobol_of_the_record_finds_what_moves_the_2021_rupture() -> None:
    pytest.importorskip("SALib")
    from escalation.validate.sensitivity import sobol_of

    record = _record()
    box = {p: tuple(record.priors.parameters[p].bounds) for p in record.priors.names}
    res = sobol_of(record, box, ["nato.2021.ruptured", "nato.2021.lag"], n=16, runs=10, seed=1)
    p = res[res.output == "nato.2021.ruptured"].set_index("parameter")
    # Over the prior box Moscow nearly always breaks in 2021; what decides it is how far the
    # break lies above the answer threshold. When Moscow answers (the lag) cannot matter.
    assert p["ST"].idxmax() == "russia.rupture_gap"
    assert p.loc["russia.lag.median", "ST"] < 0.05
    lag = res[res.output == "nato.2021.lag"].set_index("parameter")
    assert lag.loc["russia.lag.median", "ST"] > lag.loc["russia.slope", "ST"]
    assert res.attrs["points"] == 16 * 9
    with pytest.raises(ValueError, match="bounds"):
        sobol_of(record, {"russia.k": (0, 3)}, ["nato.2021.ruptured"], n=4, runs=2)


@pytest.mark.slow
def test_validate_model_command_on_an_episode_set(tmp_path: Path) -> None:
    from escalation.cli import main

    out = tmp_path / "record"
    small = ["--population", "12", "--generations", "2", "--draws", "20", "--seed", "3"]
    args = ["validate-model", "--episodes", str(POSTERIOR), "--out", str(out), *small]
    assert main([*args, "--families", "reciprocity,tit-for-tat"]) == 0
    rows = (out / "crossval.csv").read_text().splitlines()
    assert rows[0].startswith("left_out,outcome") and any(r.startswith("wave2018,") for r in rows)
    families = (out / "families.csv").read_text().splitlines()
    assert families[0].startswith("fold,family,score")
    assert {r.split(",")[1] for r in families[1:]} == {"reciprocity", "tit-for-tat"}
    # Either SCENARIO HISTORY or --episodes; families only with --episodes; nothing written.
    bad = tmp_path / "bad"
    assert main(["validate-model", "--out", str(bad)]) == 2
    assert main([*args[:3], "nato-russia-2021", "--out", str(bad)]) == 2
    assert (
        main(
            [
                "validate-model",
                "nato-russia-2021",
                "nato-russia",
                "--families",
                "all",
                "--out",
                str(bad),
            ]
        )
        == 2
    )
    assert main([*args[:4], "--out", str(bad), "--families", "reciprocity,nope"]) == 2
    assert not bad.exists()
