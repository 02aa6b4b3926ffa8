"""The plots of a calibration draw what their numbers say (Agg, figures made without pyplot)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from escalation.calibrate.checks import PredictiveChecks
from escalation.calibrate.posterior import Posterior
from escalation.calibrate.priors import Priors
from escalation.plot import posterior as pplot

NAMES = ["russia.threshold", "russia.half_life", "russia.k", "russia.lag.median"]


@pytest.fixture(scope="module")
def posterior() -> Posterior:
    rng = np.random.default_rng(5)
    n = 400
    priors = Priors.model_validate(
        {
            "policies": {"russia": {"type": "grievance"}},
            "parameters": {
                "russia.threshold": {"dist": "uniform", "low": 0.5, "high": 40},
                "russia.half_life": {"dist": "loguniform", "low": 30, "high": 3650},
                "russia.k": {"dist": "integer", "low": 0, "high": 3},
                "russia.lag.median": {"dist": "loguniform", "low": 1, "high": 180},
            },
        }
    )
    particles = np.column_stack(
        [
            rng.uniform(0.5, 40, n),
            np.exp(rng.uniform(math.log(300), math.log(3650), n)),  # mass high on a log axis
            rng.integers(0, 3, n, endpoint=True),
            np.clip(np.exp(rng.normal(math.log(12), 0.4, n)), 1, 180),
        ]
    )
    weights = rng.uniform(0.5, 1.5, n)
    return Posterior(
        priors=priors,
        particles=particles,
        weights=weights / weights.sum(),
        distances=np.zeros(n),
        summaries=("2021.answered", "2021.lag"),
        observed=np.array([1.0, math.log1p(12)]),
        scales=np.ones(2),
        generations=(),
        seed=5,
    )


@pytest.fixture(scope="module")
def checks() -> PredictiveChecks:
    rng = np.random.default_rng(6)
    answered = (rng.random(200) < 0.3).astype(float)
    lag = np.where(answered == 1, np.log1p(rng.uniform(3, 40, 200)), math.log1p(90))
    return PredictiveChecks(
        ("2021.answered", "2021.lag"),
        np.array([1.0, math.log1p(12)]),
        np.column_stack([answered, lag]),
        seed=6,
    )


def _figure() -> Figure:
    fig = Figure()
    FigureCanvasAgg(fig)  # rendered by Agg, without pyplot
    return fig


def _ax():
    return _figure().subplots()


def _drawn(fig: Figure) -> None:
    fig.canvas.draw()  # tick labels are only set at drawing time


def test_log_marginal_is_a_density_per_decade_and_its_median_sits_in_its_mass(posterior) -> None:
    d = pplot.marginal_data(posterior, "russia.half_life")
    assert d.log_scale and not d.integer
    assert np.allclose(np.diff(np.log(d.edges)), np.log(d.edges[1] / d.edges[0]))  # log bins
    assert d.limits == pytest.approx((30, 3650))
    mass = d.density * np.diff(np.log10(d.edges))
    assert mass.sum() == pytest.approx(1.0)
    # The prior is drawn on the same scale: a log-uniform prior is flat per decade, area 1.
    assert np.allclose(d.prior_density, d.prior_density[0])
    assert d.prior_density[0] * math.log10(3650 / 30) == pytest.approx(1.0)
    # The median line falls in the bin where the histogram's mass passes one half.
    k = int(np.searchsorted(np.cumsum(mass), 0.5))
    assert d.edges[k] <= d.median <= d.edges[k + 1]
    assert d.median > 300  # not the 10^1 region of an undersized linear-density plot


def test_marginal_draws_bars_prior_and_lines_on_one_log_axis(posterior) -> None:
    ax = _ax()
    pplot.posterior_marginal(posterior, "russia.half_life", ax)
    _drawn(ax.figure)
    d = pplot.marginal_data(posterior, "russia.half_life")
    assert ax.get_xscale() == "log"
    assert ax.get_xlim() == pytest.approx(d.limits)
    lefts = sorted(p.get_x() for p in ax.patches)
    assert lefts == pytest.approx(list(d.edges[:-1]))
    heights = sorted(p.get_height() for p in ax.patches)
    assert heights == pytest.approx(sorted(d.density))
    xs = {round(float(line.get_xdata()[0]), 6) for line in ax.lines if len(line.get_xdata()) == 2}
    assert round(d.median, 6) in xs and {round(v, 6) for v in d.interval} <= xs
    assert ax.get_ylabel() == "density per decade"
    assert "819" not in ax.get_title() and f"{d.median:.3g}" in ax.get_title()
    # Major ticks only are labelled: no "4x10^1 3x10^1" crowding from the minor ones.
    assert all(t.get_text() == "" for t in ax.xaxis.get_minorticklabels())
    labels = [t.get_text() for t in ax.xaxis.get_majorticklabels() if t.get_text()]
    assert labels and all(float(s) > 0 for s in labels)


def test_integer_marginal_shows_the_mass_of_each_value(posterior) -> None:
    ax = _ax()
    pplot.posterior_marginal(posterior, "russia.k", ax)
    assert ax.get_xlabel() == "russia.k"
    assert sum(p.get_height() for p in ax.patches) == pytest.approx(1.0)
    assert list(ax.get_xticks()) == [0, 1, 2, 3]


def test_pair_grid_shares_columns_labels_the_outside_and_drops_the_actor(posterior) -> None:
    fig = _figure()
    axes = pplot.posterior_pairs(posterior, fig=fig)
    _drawn(fig)
    n = len(NAMES)
    assert axes.shape == (n, n)
    assert "russia" in fig.get_suptitle() and "grievance" in fig.get_suptitle()
    assert [axes[n - 1, j].get_xlabel() for j in range(n)] == [
        "threshold",
        "half_life",
        "k",
        "lag.median",
    ]
    assert [axes[i, 0].get_ylabel() for i in range(1, n)] == ["half_life", "k", "lag.median"]
    for i in range(n):
        for j in range(n):
            ax = axes[i, j]
            if i < j:
                assert not ax.has_data()  # hidden, or holding only the legend
                continue
            if i < n - 1:
                assert ax.get_shared_x_axes().joined(ax, axes[n - 1, j])
            assert ax.get_xscale() == ("log" if j in (1, 3) else "linear")
            if i < n - 1:
                assert ax.get_xlabel() == "" and not any(
                    t.get_text() for t in ax.xaxis.get_majorticklabels()
                )
            if j > 0:
                assert ax.get_ylabel() == ""
    # The diagonal's histogram lies on the column's axis, and agrees with its median line.
    diag = axes[1, 1]
    d = pplot.marginal_data(posterior, "russia.half_life")
    assert diag.get_xlim() == pytest.approx(d.limits)
    assert axes[3, 1].get_xlim() == pytest.approx(d.limits)
    assert axes[1, 0].get_ylim() == pytest.approx(d.limits)
    assert axes[1, 0].get_yscale() == "log"
    legend = axes[0, n - 1].get_legend()
    assert legend is not None
    assert legend.get_texts()[0].get_text() == "posterior"


def test_pair_keeps_names_whole_when_actors_differ() -> None:
    assert pplot.short_names(["a.x", "b.y"]) == (["a.x", "b.y"], None)
    assert pplot.short_names(["a.x", "a.y.z"]) == (["x", "y.z"], "a")


def test_pair_spreads_integer_values_without_moving_them_far(posterior) -> None:
    ax = _ax()
    pplot.posterior_pair(posterior, "russia.threshold", "russia.k", ax)
    ys = ax.collections[0].get_offsets()[:, 1]
    k = posterior.column("russia.k")
    assert np.all(np.abs(ys - k) <= 0.15 + 1e-12)
    assert len(np.unique(ys)) > 4  # spread, not four lines of dots


def test_marginal_grid_puts_the_legend_in_a_free_cell(posterior) -> None:
    fig = _figure()
    axes = pplot.posterior_marginals(posterior, fig=fig, cols=3)
    assert axes.shape == (2, 3)
    assert [ax.get_xlabel() for ax in axes.flat[:4]] == [
        "threshold",
        "half_life",
        "k",
        "lag.median",
    ]
    assert axes.flat[4].get_legend() is not None
    assert not axes.flat[4].has_data() and not axes.flat[5].has_data()


def test_predictive_check_of_a_yes_no_summary(checks) -> None:
    ax = _ax()
    pplot.predictive_check(checks, "2021.answered", ax)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["no", "yes"]
    heights = [p.get_height() for p in ax.patches]
    assert sum(heights) == pytest.approx(1.0)
    assert heights[1] == pytest.approx(checks.simulated[:, 0].mean())
    observed = [line for line in ax.lines if line.get_label() == "observed"]
    assert observed and observed[0].get_xdata()[0] == 1.0
    assert f"p = {checks.p_value('2021.answered'):.2f}" in ax.get_title()


def test_predictive_check_of_a_lag_is_labelled_in_days(checks) -> None:
    ax = _ax()
    pplot.predictive_check(checks, "2021.lag", ax)
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert "10" in labels and "30" in labels
    ticks = dict(zip(labels, ax.get_xticks(), strict=True))
    assert ticks["10"] == pytest.approx(math.log1p(10))
    assert sum(p.get_height() for p in ax.patches) == pytest.approx(1.0)
    assert "days" in ax.get_xlabel()


def test_predictive_check_grid(checks) -> None:
    fig = _figure()
    axes = pplot.predictive_checks(checks, fig=fig)
    assert axes.shape == (1, 2)
    assert "200" in fig.get_suptitle()
    assert axes[0, 1].get_ylabel() == ""
