"""Validation under other choices: refits per choice, k-fold over a wave's dyads, seeds."""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path

import numpy as np
import pytest

from escalation.base.errors import InputError
from escalation.calibrate.episodefile import load_episode_set
from escalation.model.scenario import LadderSpec, load_scenario

EPISODES = (
    Path(__file__).resolve().parent.parent / "scenarios" / "fits" / "nato-russia-episodes.yaml"
)


def test_episode_set_under_a_reading_and_a_ladder() -> None:
    base = load_episode_set(EPISODES)
    # Macedonia expelled 2 (Lusa, 2022), answered by 1: that dyad is no longer in kind.
    lusa = load_episode_set(EPISODES, variant="lusa-2022")
    j = base.names.index("wave2018.in_kind")
    assert base.observed[j] == pytest.approx(28 / 30) and lusa.observed[j] == pytest.approx(
        27 / 30
    )
    # Kommersant's 6 staff of NATO's liaison mission reach both fitting scenarios.
    kom = load_episode_set(EPISODES, variant="kommersant")
    for b, k in zip(base.episodes, kom.episodes, strict=True):
        staff = {p.id: p.staff for p in k.scenario.presences}
        assert staff["nato-mlm-moscow"] == 6
        assert {p.id: p.staff for p in b.scenario.presences}["nato-mlm-moscow"] == 13
    gold = load_episode_set(EPISODES, ladder=LadderSpec(scale="goldstein"))
    assert all(e.scenario.ladder.scale == "goldstein" for e in gold.episodes)
    with pytest.raises(InputError, match="reading 'nope'"):
        load_episode_set(EPISODES, variant="nope")


def test_choice_replaces_priors_and_reads_the_headline_scenario() -> None:
    from escalation.validate.choices import CHOICES, Choice

    by_name = {c.name: c for c in CHOICES}
    wide = by_name["priors-wide"].episode_set(EPISODES)
    assert wide.priors.parameters["russia.rupture_gap"].high == 80.0
    assert wide.priors.parameters["russia.slope"].high == 20.0  # untouched
    assert wide.priors.names == load_episode_set(EPISODES).priors.names
    flagship = load_scenario("nato-russia-2021")
    kom = by_name["kommersant"].scenario(flagship)
    assert {p.id: p.staff for p in kom.presences}["nato-mlm-moscow"] == 6
    # A reading the scenario does not have leaves it as it is.
    assert by_name["lusa-2022"].scenario(flagship) == flagship
    # The bundled posterior is the baseline's fit at 300 particles x 18 generations, seed 0:
    # it is refused as the fit of another choice or at other settings.
    from escalation.calibrate.posterior import load_posterior
    from escalation.validate.choices import refit_choices

    bundled = load_posterior(EPISODES.parent.parent / "nato-russia-posterior.json")
    for name, population in (("baseline", 10), ("short-memory", 300)):
        with pytest.raises(ValueError, match="was not fitted to this choice's set"):
            refit_choices(
                EPISODES,
                [by_name["baseline"], by_name["short-memory"]],
                population=population,
                done={name: bundled},
            )
    with pytest.raises(ValueError, match=r"no prior for russia\.nope"):
        Choice("x", priors={"russia.nope": {"dist": "uniform", "low": 0, "high": 1}}).episode_set(
            EPISODES
        )


@pytest.mark.slow
def test_refit_choices_reports_each_choice_and_the_seed_spread(tmp_path: Path) -> None:
    from escalation.validate.choices import CHOICES, refit_choices

    picked = [c for c in CHOICES if c.name in ("baseline", "short-memory", "seattle-late")]
    result = refit_choices(
        EPISODES, picked, population=10, generations=2, spread_seeds=(1,), draws=30, runs=60
    )
    rows = {(r["choice"], r["seed"]): r for r in result.flat()}
    assert set(rows) == {
        ("baseline", 0),
        ("short-memory", 0),
        ("seattle-late", 0),
        ("baseline", 1),
    }
    # seattle-late changes no input of the fit (and not the flagship): the baseline's fit.
    assert not rows[("seattle-late", 0)]["refitted"]
    same = [k for k in rows[("baseline", 0)] if k.startswith(("p_rupture", "joint", "median"))]
    assert all(rows[("seattle-late", 0)][k] == rows[("baseline", 0)][k] for k in same)
    # The short-memory prior bounds the half-life at ten years.
    assert rows[("short-memory", 0)]["median_russia.half_life"] <= 3650
    for r in rows.values():
        assert r["p_rupture_low"] <= r["p_rupture"] <= r["p_rupture_high"]
        assert 0 <= r["joint_all"] <= r["joint_wave2018"] + 1e-12
    spread = result.spread()
    assert spread["p_rupture"] == pytest.approx(
        float(np.std([rows[("baseline", s)]["p_rupture"] for s in (0, 1)], ddof=1))
    )
    text = result.to_csv(tmp_path / "choices.csv")
    table = list(csv.DictReader(io.StringIO(text)))
    assert [t["choice"] for t in table][-1] == "seed spread (sd)"
    assert (tmp_path / "choices.csv").read_text() == text
    assert "short-memory" in result.table()


def test_wave_folds_split_the_initiators_and_keep_nato_in_training() -> None:
    from escalation.validate.kfold import fold_set, wave_folds

    es = load_episode_set(EPISODES)
    folds = wave_folds(es, "skripal-2018", k=5, seed=0)
    flat = [x for f in folds for x in f]
    assert len(folds) == 5 and len(flat) == len(set(flat)) == 29 and "nato" not in flat
    assert sorted(len(f) for f in folds) == [5, 6, 6, 6, 6]
    assert wave_folds(es, "skripal-2018", k=5, seed=0) == folds
    assert wave_folds(es, "skripal-2018", k=5, seed=1) != folds
    fset, name = fold_set(es, "skripal-2018", ["macedonia", "uk"])
    assert [e.name for e in fset.episodes] == ["wave2018", "nato", name]
    train, test = fset.episodes[0].summaries, fset.episodes[-1].summaries
    assert "macedonia" not in train.initiators and "nato" in train.initiators
    assert test.initiators == ("macedonia", "uk") and test.rupture_with == ()
    # Both answered 1:1 within 15 days: answered and in kind are 1 for the left-out pair.
    obs = dict(zip(test.names, fset.episodes[-1].observed, strict=True))
    assert obs["answered"] == 1.0 and obs["in_kind"] == 1.0
    # The fit sees the wave's selected summaries over the other 28 initiators (and NATO).
    assert fset.names[: len(es.names)] == es.names
    with pytest.raises(ValueError, match="k must lie"):
        wave_folds(es, "skripal-2018", k=30)
    with pytest.raises(ValueError, match="not in the wave: atlantis"):
        fold_set(es, "skripal-2018", ["atlantis"])


@pytest.mark.slow
def test_kfold_wave_scores_each_fold_against_the_null_models() -> None:
    from escalation.validate.crossval import verdict
    from escalation.validate.kfold import kfold_wave

    es = load_episode_set(EPISODES)
    kf = kfold_wave(es, "skripal-2018", k=2, population=10, generations=2, draws=20, boot=20)
    assert list(kf.folds) == ["wave2018-k1", "wave2018-k2"] == list(kf.cv.aggregate)
    assert sum(len(v) for v in kf.folds.values()) == 29
    rows = {(r["left_out"], r["outcome"], r["null"]): r for r in kf.cv.rows}
    # Played in the simulator, "never answers" answers no left-out dyad: its CRPS on the
    # share answered is the share documented (every one of the 29 states was answered).
    assert rows[("wave2018-k1", "answered", "never")]["null_score"] == pytest.approx(1.0)
    # Tit-for-tat answers 1:1: the log ratio's median is exact.
    assert rows[("wave2018-k2", "ratio.q50", "tit-for-tat")]["null_score"] == pytest.approx(0.0)
    summary = {(r["outcome"], r["null"]): r for r in kf.summary()}
    s = summary[("answered", "never")]
    assert s["model better"] + s["null better"] + s["undecided"] == 2
    assert s["model better"] == sum(
        verdict(rows[(f, "answered", "never")]) == "model better" for f in kf.folds
    )
    assert "wave2018-k" not in kf.cv.to_csv().splitlines()[0]
    assert "means over 2 folds" in kf.table()


@pytest.mark.slow
def test_model_choice_over_seeds_reports_the_spread_and_the_ranking() -> None:
    from escalation.validate.modelchoice import FAMILIES, compare_over_seeds

    es = load_episode_set(EPISODES)
    never = {
        "policies": {"russia": {"type": "passive"}},
        "parameters": {"russia.lag.median": {"dist": "uniform", "low": 1, "high": 2}},
    }
    families = {"tit-for-tat": FAMILIES["tit-for-tat"], "never": never}
    sc = compare_over_seeds(
        es, families, seeds=(1, 2), population=10, generations=2, draws=20, boot=20
    )
    rows = {(r["fold"], r["family"]): r for r in sc.rows()}
    r = rows[("all", "tit-for-tat")]
    assert r["mean"] == pytest.approx(np.mean(r["scores"]))
    assert r["sd"] == pytest.approx(np.std(r["scores"], ddof=1)) and math.isfinite(r["sd"])
    # A Moscow that never answers is last under every seed.
    assert rows[("all", "never")]["ranks"] == [2, 2] and sc.ranking_holds("all")
    assert sc.rankings("all") == [("tit-for-tat", "never")] * 2
    assert "ranking the same under every seed: " in sc.table()
    with pytest.raises(ValueError, match="two distinct seeds"):
        compare_over_seeds(es, families, seeds=(1, 1))


def test_crossval_csv_names_the_rule_of_each_row() -> None:
    from escalation.validate.crossval import CrossValidation

    rows = [
        {
            "left_out": "2018",
            "outcome": outcome,
            "observed": 0.0,
            "model_score": 0.2,
            "null": "never",
            "null_score": 0.0,
            "difference": 0.2,
            "difference_interval": (0.1, 0.3),
        }
        for outcome in ("answered", "lag", "magnitude", "ruptured")
    ]
    rows.append({**rows[0], "outcome": "in_kind", "rule": "CRPS"})  # a pooled share
    table = list(csv.DictReader(io.StringIO(CrossValidation(tuple(rows), {}, 0.0).to_csv())))
    assert [t["rule"] for t in table] == ["Brier", "CRPS", "CRPS", "Brier", "CRPS"]
    assert table[0]["verdict"] == "null better"
