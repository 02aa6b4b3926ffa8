"""ABC-SMC and rejection ABC on toy models whose posteriors are known exactly.

Tolerances are stated with their reasons next to each check. Every run has a fixed seed, so the
tests are deterministic; the tolerances are chosen so that they would also hold for most other
seeds (a few Monte Carlo standard errors plus the bias that a non-zero ABC tolerance adds).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from escalation.base.errors import InputError
from escalation.calibrate import smc as abc
from escalation.calibrate.posterior import Posterior, weighted_quantile
from escalation.calibrate.priors import Priors, default_priors

N_OBS = 10  # observations per simulated data set in the normal toy model
Y_BAR = 0.8  # their observed mean


def normal_mean(thetas: np.ndarray, seeds: list[np.random.SeedSequence]) -> np.ndarray:
    """y_1..y_10 ~ N(mu, 1); the summary is the sample mean (sufficient for mu)."""
    out = np.empty((len(thetas), 1))
    for i, (theta, seq) in enumerate(zip(thetas, seeds, strict=True)):
        out[i, 0] = np.random.default_rng(seq).normal(theta[0], 1.0, N_OBS).mean()
    return out


def log_normal_mean(thetas: np.ndarray, seeds: list[np.random.SeedSequence]) -> np.ndarray:
    """As :func:`normal_mean` with mu = log(theta): checks the log-scale kernel's Jacobian."""
    return normal_mean(np.log(thetas), seeds)


def binomial_count(thetas: np.ndarray, seeds: list[np.random.SeedSequence]) -> np.ndarray:
    """k ~ Binomial(20, theta / 10) for an integer theta in 0..10."""
    return np.array(
        [
            [np.random.default_rng(s).binomial(20, t[0] / 10)]
            for t, s in zip(thetas, seeds, strict=True)
        ],
        dtype=float,
    )


def priors_of(dist: dict) -> Priors:
    return Priors.model_validate({"parameters": {"toy.mu": dist}})


# Conjugate normal: prior N(0, 1), n = 10 observations with variance 1, mean 0.8.
EXACT_MEAN = N_OBS * Y_BAR / (N_OBS + 1)
EXACT_SD = math.sqrt(1 / (N_OBS + 1))


def test_smc_recovers_the_conjugate_normal_posterior() -> None:
    post = abc.smc(
        normal_mean,
        priors_of({"dist": "normal", "mean": 0.0, "sd": 1.0}),
        [Y_BAR],
        population=1000,
        generations=7,
        seed=3,
    )
    mean, sd = post.mean()["toy.mu"], post.sd()["toy.mu"]
    # Monte Carlo standard error of the mean is about 0.3 / sqrt(ESS ~ 900) = 0.01; the last
    # tolerance (~0.015 in summary units) inflates the variance by about eps^2 / 3 (negligible).
    assert abs(mean - EXACT_MEAN) < 0.04
    # The relative error of a standard deviation estimate is about 1 / sqrt(2 ESS) = 2.4%.
    assert abs(sd / EXACT_SD - 1) < 0.1
    assert post.generations[-1].epsilon < post.generations[1].epsilon / 10
    assert post.ess > 500


def test_smc_is_exact_for_a_parameter_moved_on_the_log_scale() -> None:
    # log(theta) ~ N(0, 1) a priori; the same conjugate posterior holds for log(theta).
    post = abc.smc(
        log_normal_mean,
        priors_of({"dist": "lognormal", "median": 1.0, "sigma": 1.0}),
        [Y_BAR],
        population=1000,
        generations=7,
        seed=4,
    )
    u = np.log(post.column("toy.mu"))
    mean = float(post.weights @ u)
    sd = math.sqrt(float(post.weights @ (u - mean) ** 2))
    # A wrong Jacobian in the weights shifts the mean by sd^2 = 0.09: well outside 0.04.
    assert abs(mean - EXACT_MEAN) < 0.04
    assert abs(sd / EXACT_SD - 1) < 0.1


def test_smc_weights_integer_parameters_exactly() -> None:
    # theta uniform on 0..10, k ~ Binomial(20, theta / 10), k observed = 7: the posterior is
    # proportional to the binomial likelihood, computed here by enumeration.
    post = abc.smc(
        binomial_count,
        priors_of({"dist": "integer", "low": 0, "high": 10}),
        [7.0],
        population=1000,
        generations=4,
        seed=5,
    )
    grid = np.arange(11)
    like = np.array([math.comb(20, 7) * (t / 10) ** 7 * (1 - t / 10) ** 13 for t in grid])
    exact = like / like.sum()
    values = post.column("toy.mu")
    assert set(np.unique(values)) <= set(grid.astype(float))
    got = np.array([post.weights[values == t].sum() for t in grid])
    # ESS ~ 1000 gives each mass a standard error below 0.016.
    assert np.max(np.abs(got - exact)) < 0.05


def test_rejection_abc_approximates_the_same_posterior() -> None:
    post = abc.rejection(
        normal_mean,
        priors_of({"dist": "normal", "mean": 0.0, "sd": 1.0}),
        [Y_BAR],
        population=500,
        simulations=20_000,
        seed=6,
    )
    assert post.method == "rejection"
    assert np.allclose(post.weights, 1 / 500)
    # Accepting the nearest 2.5% gives a tolerance of about 0.03 summary units: small.
    assert abs(post.mean()["toy.mu"] - EXACT_MEAN) < 0.05
    assert abs(post.sd()["toy.mu"] / EXACT_SD - 1) < 0.15
    assert post.epsilon == pytest.approx(post.distances.max())


def test_the_same_seed_gives_the_same_posterior_and_another_seed_does_not() -> None:
    prior = priors_of({"dist": "normal", "mean": 0.0, "sd": 1.0})
    a = abc.smc(normal_mean, prior, [Y_BAR], population=100, generations=3, seed=9)
    b = abc.smc(normal_mean, prior, [Y_BAR], population=100, generations=3, seed=9)
    c = abc.smc(normal_mean, prior, [Y_BAR], population=100, generations=3, seed=10)
    assert np.array_equal(a.particles, b.particles) and np.array_equal(a.weights, b.weights)
    assert not np.array_equal(a.particles, c.particles)
    assert a.seed == 9


def test_no_seed_records_the_entropy_it_drew() -> None:
    prior = priors_of({"dist": "normal", "mean": 0.0, "sd": 1.0})
    a = abc.smc(normal_mean, prior, [Y_BAR], population=50, generations=2, seed=None)
    again = abc.smc(normal_mean, prior, [Y_BAR], population=50, generations=2, seed=a.seed)
    assert np.array_equal(a.particles, again.particles)


def test_resuming_from_any_generation_gives_the_same_posterior() -> None:
    prior = priors_of({"dist": "normal", "mean": 0.0, "sd": 1.0})
    saved: list[Posterior] = []
    whole = abc.smc(
        normal_mean,
        prior,
        [Y_BAR],
        population=200,
        generations=4,
        seed=2,
        on_generation=saved.append,
    )
    assert [p.complete for p in saved] == [False, False, False, True]
    checkpoint = Posterior.from_dict(saved[1].to_dict())  # through JSON, as on disk
    resumed = abc.smc(
        normal_mean, prior, [Y_BAR], population=200, generations=4, seed=2, resume=checkpoint
    )
    assert np.array_equal(resumed.particles, whole.particles)
    assert np.array_equal(resumed.weights, whole.weights)
    assert [g.epsilon for g in resumed.generations] == [g.epsilon for g in whole.generations]


def test_resuming_with_other_settings_is_refused() -> None:
    prior = priors_of({"dist": "normal", "mean": 0.0, "sd": 1.0})
    first = abc.smc(normal_mean, prior, [Y_BAR], population=50, generations=2, seed=2)
    with pytest.raises(ValueError, match="population"):
        abc.smc(normal_mean, prior, [Y_BAR], population=60, generations=3, seed=2, resume=first)
    with pytest.raises(ValueError, match="seed"):
        abc.smc(normal_mean, prior, [Y_BAR], population=50, generations=3, seed=3, resume=first)


def test_generation_records_add_up() -> None:
    prior = priors_of({"dist": "uniform", "low": -3.0, "high": 3.0})
    post = abc.smc(normal_mean, prior, [Y_BAR], population=100, generations=4, seed=1)
    assert [g.generation for g in post.generations] == [1, 2, 3, 4]
    assert math.isinf(post.generations[0].epsilon)
    eps = [g.epsilon for g in post.generations[1:]]
    assert eps == sorted(eps, reverse=True)
    for g in post.generations:
        assert g.accepted == 100
        assert g.accepted <= g.used <= g.simulations
        assert 0 < g.acceptance_rate <= 1
        assert 1 <= g.ess <= 100
    assert np.all(post.distances <= post.epsilon)
    # Proposals outside the prior's support are never kept.
    assert np.all(np.abs(post.particles) <= 3.0)


def test_tolerance_steps_below_a_tie_that_straddles_the_quantile() -> None:
    d = np.array([0.1, 0.2, 5.0, 5.0, 5.0, 5.0, 5.0, 5.0, 7.0, 8.0])
    w = np.full(10, 0.1)
    assert abc.tolerance(d, w, 0.5) == 0.2
    spread = np.linspace(1, 10, 10)
    assert abc.tolerance(spread, w, 0.5) == pytest.approx(weighted_quantile(spread, w, 0.5))


def test_scales_fall_back_from_mad_to_sd_to_one() -> None:
    sims = np.column_stack([np.arange(10.0), [0] * 9 + [1.0], np.ones(10)])
    scales = abc.summary_scales(sims)
    assert scales[0] == pytest.approx(1.4826 * 2.5)
    assert scales[1] == pytest.approx(0.3)
    assert scales[2] == 1.0


def test_a_simulation_that_fails_is_infinitely_far() -> None:
    d = abc.distances(np.array([[np.nan], [1.0]]), np.array([0.0]), np.array([1.0]))
    assert math.isinf(d[0]) and d[1] == 1.0


# -- priors -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "dist",
    [
        {"dist": "uniform", "low": 1, "high": 3},
        {"dist": "loguniform", "low": 1, "high": 100},
        {"dist": "normal", "mean": 1, "sd": 2, "low": 0},
        {"dist": "lognormal", "median": 10, "sigma": 1, "high": 50},
        {"dist": "beta", "a": 2, "b": 3},
        {"dist": "integer", "low": 0, "high": 4},
    ],
)
def test_each_prior_samples_inside_its_support_and_integrates_to_one(dist: dict) -> None:
    prior = priors_of(dist).dists[0]
    x = prior.sample(np.random.default_rng(0), 4000)
    assert np.all(prior.contains(x))
    low, high = prior.bounds
    if prior.integer:
        total = np.exp(prior.logpdf(np.arange(low, high + 1))).sum()
    else:
        hi = min(high, 2000.0)
        grid = np.linspace(low, hi, 400_001)
        total = np.trapezoid(np.exp(prior.logpdf(grid)), grid)
    assert total == pytest.approx(1.0, abs=0.01)
    assert np.isneginf(prior.logpdf(np.array([low - 1.0])))[0]


def test_priors_reject_bad_paths_and_bounds_the_policy_cannot_take() -> None:
    with pytest.raises(ValueError, match=r"actor\.field"):
        Priors.model_validate(
            {"parameters": {"threshold": {"dist": "uniform", "low": 0, "high": 1}}}
        )
    with pytest.raises(ValueError, match="no field 'nonsense'"):
        Priors.model_validate(
            {
                "policies": {"russia": {"type": "grievance"}},
                "parameters": {"russia.nonsense": {"dist": "uniform", "low": 0, "high": 1}},
            }
        )
    bad = Priors.model_validate(
        {
            "policies": {"russia": {"type": "grievance"}},
            "parameters": {"russia.reply_probability": {"dist": "uniform", "low": 0, "high": 2}},
        }
    )
    import escalation as esc

    with pytest.raises(InputError, match=r"russia\.reply_probability"):
        bad.resolve(esc.load_scenario("nato-russia-2021"))


def test_default_priors_apply_to_the_grievance_policy_with_integer_k() -> None:
    import escalation as esc

    priors = default_priors()
    theta = priors.sample(np.random.default_rng(1), 1)[0]
    policy = priors.apply(theta)["russia"]
    assert isinstance(policy, esc.Grievance)
    assert policy.k == int(theta[priors.names.index("russia.k")])
    assert policy.lag.median == theta[priors.names.index("russia.lag.median")]
    assert policy.lag.sigma == 0.5  # fixed by the base policy


def test_posterior_json_round_trip_is_exact(tmp_path) -> None:
    prior = priors_of({"dist": "normal", "mean": 0.0, "sd": 1.0})
    post = abc.smc(normal_mean, prior, [Y_BAR], population=50, generations=2, seed=1)
    back = Posterior.load(post.save(tmp_path / "p.json"))
    assert np.array_equal(back.particles, post.particles)
    assert np.array_equal(back.weights, post.weights)
    assert back.generations == post.generations
    assert back.seed == post.seed and back.priors == post.priors


def test_a_broken_posterior_file_names_the_field(tmp_path) -> None:
    prior = priors_of({"dist": "normal", "mean": 0.0, "sd": 1.0})
    post = abc.smc(normal_mean, prior, [Y_BAR], population=20, generations=1, seed=1)
    data = post.to_dict()
    data["weights"] = data["weights"][:-1]
    path = tmp_path / "bad.json"
    path.write_text(__import__("json").dumps(data))
    with pytest.raises(InputError, match=r"bad\.json.*weights"):
        Posterior.load(path)
    path.write_text("{")
    with pytest.raises(InputError, match="not valid JSON"):
        Posterior.load(path)


def test_priors_from_a_file_and_a_bad_one_named(tmp_path) -> None:
    good = tmp_path / "priors.yaml"
    good.write_text(
        "policies:\n  russia: {type: grievance}\n"
        "parameters:\n  russia.threshold: {dist: uniform, low: 1, high: 40}\n"
    )
    assert Priors.load(good).names == ("russia.threshold",)
    bad = tmp_path / "bad.yaml"
    bad.write_text("parameters:\n  russia.threshold: {dist: uniform, low: 50, high: 40}\n")
    with pytest.raises(InputError, match=r"bad\.yaml.*russia\.threshold"):
        Priors.load(bad)


# -- the local (nearest-neighbour) kernel ------------------------------------------------------
def test_smc_with_local_kernels_recovers_the_conjugate_posteriors() -> None:
    # The same exact posteriors as above: the local kernel changes proposals, not the target.
    for model, dist, transform in (
        (normal_mean, {"dist": "normal", "mean": 0.0, "sd": 1.0}, lambda x: x),
        (log_normal_mean, {"dist": "lognormal", "median": 1.0, "sigma": 1.0}, np.log),
    ):
        post = abc.smc(
            model, priors_of(dist), [Y_BAR], population=600, generations=6, seed=5, kernel="local"
        )
        u = transform(post.column("toy.mu"))
        mean = float(post.weights @ u)
        sd = math.sqrt(float(post.weights @ (u - mean) ** 2))
        assert abs(mean - EXACT_MEAN) < 0.05  # MC error ~0.015 at ESS ~ 400, plus ABC bias
        assert abs(sd / EXACT_SD - 1) < 0.15
        assert post.settings["kernel"] == "local"


def test_the_local_kernel_is_a_density_and_samples_from_itself() -> None:
    from escalation.calibrate.kernel import PerturbationKernel

    prior = Priors.model_validate(
        {
            "parameters": {
                "toy.a": {"dist": "uniform", "low": -5, "high": 5},
                "toy.b": {"dist": "uniform", "low": -5, "high": 5},
            }
        }
    )
    rng = np.random.default_rng(0)
    # Two clusters of particles, one thin: each particle's own covariance differs.
    particles = np.vstack(
        [rng.normal([-2, 0], [0.5, 0.5], (40, 2)), rng.normal([2, 0], [0.02, 1.0], (20, 2))]
    )
    weights = rng.random(60)
    weights /= weights.sum()
    kernel = PerturbationKernel(particles, weights, prior, local=True)
    # integrates to 1 on a grid wide enough to hold it
    g = np.linspace(-6, 6, 481)
    step = g[1] - g[0]
    grid = np.array(np.meshgrid(g, g)).reshape(2, -1).T
    mass = float(np.exp(kernel.log_density(grid)).sum() * step * step)
    assert abs(mass - 1) < 0.02
    # its sampler draws from it: the share of draws in a box equals the density's mass there
    draws = kernel.propose(np.random.default_rng(1), 20_000)
    box = (grid[:, 0] > 1.5) & (grid[:, 0] < 2.5)
    want = float(np.exp(kernel.log_density(grid[box])).sum() * step * step)
    got = float(np.mean((draws[:, 0] > 1.5) & (draws[:, 0] < 2.5)))
    assert abs(got - want) < 4 * math.sqrt(want * (1 - want) / 20_000) + 0.01  # grid error


def test_an_unknown_kernel_is_refused() -> None:
    prior = priors_of({"dist": "normal", "mean": 0.0, "sd": 1.0})
    with pytest.raises(ValueError, match="kernel"):
        abc.smc(normal_mean, prior, [Y_BAR], population=10, generations=1, kernel="wide")  # type: ignore[arg-type]
