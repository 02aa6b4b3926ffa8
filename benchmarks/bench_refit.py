"""Figures of the bundled calibration (issue 10, item 6), from one or more refitted posteriors.

Usage::

    python benchmarks/bench_refit.py POSTERIOR [POSTERIOR ...] [--draws N] [--runs N]

The first posterior is the one reported (the bundled one, seed 0); the others are the same fit
with other seeds, used for the calibration's own Monte Carlo error. Printed:

(a) the share of posterior predictive draws that reproduce the documented pattern of each
    episode, and of both together (2018: Moscow answers at least 90 % of the expelling states
    within 15 days at a ratio within 0.8-1.25, and does not break with NATO; 2021: every
    NATO-Russia channel closed or suspended within 30 days), with binomial standard errors;
(b) per-parameter posterior contraction, ``1 - posterior variance / prior variance``;
(c) P(rupture) of ``nato-russia-2021`` under each posterior (particles drawn by weight, runs
    per particle; cluster standard error), and the interval that adds the spread between seeds;
(d) the calibration's wall time, as recorded in each posterior.
"""

from __future__ import annotations

import argparse
import math

import numpy as np

from escalation.calibrate.episodeset import problem_of
from escalation.calibrate.posterior import Posterior
from escalation.model.scenario import Scenario, load_scenario
from escalation.validate.mcerror import p_rupture


def _share(x: np.ndarray) -> str:
    p = float(np.mean(x))
    return f"{p:.3f} +- {math.sqrt(p * (1 - p) / len(x)):.3f} (SE, {len(x)} draws)"


def patterns(post: Posterior, draws: int, seed: int = 11) -> dict[str, np.ndarray]:
    """Per posterior predictive draw: does it reproduce 2018, 2021, both?"""
    problem = problem_of(post)
    idx = post.sample(np.random.default_rng(seed), draws)
    thetas = np.asarray(post.particles)[idx]
    sims = problem.simulator(thetas, np.random.SeedSequence(seed + 1).spawn(draws))
    col = {name: sims[:, i] for i, name in enumerate(problem.names)}
    w2018 = (
        (col["wave2018.in_kind"] >= 0.9)
        & (col["wave2018.ruptured.nato"] == 0)
        & (col["nato.2018.ruptured"] == 0)
    )
    w2021 = (col["nato.2021.ruptured"] == 1) & (col["nato.2018.ruptured"] == 0)
    return {"2018": w2018, "2021": w2021, "both": w2018 & w2021}


def contraction(post: Posterior, seed: int = 3) -> dict[str, float]:
    """``1 - posterior variance / prior variance`` per parameter (prior variance sampled).

    On the log scale for parameters with a log-scale prior (log-uniform, log-normal), where a
    variance means what the prior means.
    """
    problem = problem_of(post)
    prior = problem.priors.sample(np.random.default_rng(seed), 50_000)
    p = np.asarray(post.particles, dtype=float)
    w = np.asarray(post.weights, dtype=float)
    out = {}
    for j, name in enumerate(post.names):
        log = problem.priors.parameters[name].log_scale
        x, px = (np.log(p[:, j]), np.log(prior[:, j])) if log else (p[:, j], prior[:, j])
        mean = float(np.sum(w * x))
        var = float(np.sum(w * (x - mean) ** 2))
        out[name + (" (log)" if log else "")] = 1.0 - var / float(np.var(px))
    return out


def _p_rupture(args: argparse.Namespace, posts: list[Posterior], scenario: Scenario) -> None:
    """P(rupture) under each posterior, and the interval with the spread between seeds."""
    ps, ses = [], []
    for path, post in zip(args.posteriors, posts, strict=True):
        p, se = p_rupture(post, scenario, particles=args.particles, runs=args.runs, seed=12345)
        ps.append(p)
        ses.append(se)
        print(f"    {path}: {p:.3f} +- {se:.3f} (SE within the fit's particles)")
    within = ses[0]
    between = float(np.std(ps, ddof=1)) if len(ps) > 1 else math.nan
    total = math.sqrt(within**2 + (between if len(ps) > 1 else 0.0) ** 2)
    print(
        f"    reported: {ps[0]:.3f}, 95% interval {ps[0] - 1.96 * total:.3f}-"
        f"{ps[0] + 1.96 * total:.3f} (SE {total:.3f}: within {within:.3f}, between seeds "
        f"{between:.3f} from {len(ps)} fits)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("posteriors", nargs="+")
    parser.add_argument("--draws", type=int, default=1000)
    parser.add_argument("--particles", type=int, default=400)
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    posts = [Posterior.load(p) for p in args.posteriors]
    main_post = posts[0]
    print(
        f"(a) posterior predictive draws reproducing the documented pattern ({args.posteriors[0]})"
    )
    for name, hit in patterns(main_post, args.draws).items():
        print(f"    {name:5s} {_share(hit)}")
    print("(b) posterior contraction (1 - var post / var prior)")
    for name, c in contraction(main_post).items():
        print(f"    {name:22s} {c:6.3f}")
    flagship = load_scenario("nato-russia-2021")
    versions = {
        "nato-russia-2021": flagship,
        "nato-russia-2021 without the cap cut": flagship.without_trigger("nato-2021-cap"),
    }
    for label, scenario in versions.items():
        print(f"(c) P(rupture) of {label} (whole horizon)")
        _p_rupture(args, posts, scenario)
    print("(d) calibration wall time")
    for path, post in zip(args.posteriors, posts, strict=True):
        meta = post.meta
        print(f"    {path}: {meta.get('wall_seconds', meta.get('total_seconds'))} s")


if __name__ == "__main__":
    main()
