"""A calibration's posterior as ArviZ data: :func:`to_arviz` (``Posterior.to_arviz``).

ABC-SMC gives *weighted* particles; ArviZ's summaries, plots and diagnostics treat every
draw as equally weighted. So the ``posterior`` group holds an importance resample: ``draws``
particles drawn with replacement, each with probability equal to its weight, from a
generator made from ``seed`` (the same seed gives the same draws). The resample has the
posterior's distribution, but repeats particles: its effective size is at most the weights'
ESS (stored as an attribute), whatever ``draws`` is. ``sample_stats`` holds, for each draw,
the index of its particle (``particle``), its distance to the observed summaries
(``distance``) and its weight (``weight``); ``observed_data`` the observed summaries.

With ``resample=False`` the ``posterior`` group holds every particle once, in order, and
``sample_stats.weight`` their weights: ArviZ functions then ignore the weights, so use it to
store or inspect the particles, not to summarise them.

Needs ArviZ before 1.0 (its ``InferenceData``): ``pip install 'escalation[arviz]'``.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np


def _arviz() -> Any:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)  # the notice of its 1.0 refactor
            import arviz
    except ImportError:
        raise ImportError(
            "Posterior.to_arviz needs ArviZ; install it with `pip install 'escalation[arviz]'`"
        ) from None
    return arviz


def to_arviz(
    posterior: Any, *, draws: int | None = None, seed: int = 0, resample: bool = True
) -> Any:
    """Return ``posterior`` as an ArviZ ``InferenceData`` (weighting in the module docstring).

    Parameters
    ----------
    posterior
        The calibration's :class:`~escalation.calibrate.posterior.Posterior` (not imported
        here: the posterior module imports this one).
    draws
        Size of the importance resample (default: the number of particles).
    seed
        Seed of the resample.
    resample
        ``False``: every particle once, unweighted in ArviZ's eyes (see the module docstring).

    Returns
    -------
    arviz.InferenceData
        Groups ``posterior`` (one chain), ``sample_stats`` and ``observed_data``; the
        attributes (of the data and of its ``posterior`` group) say how it was weighted, the
        number of particles, their ESS, the last tolerance and the calibration's seed.

    Raises
    ------
    ImportError
        If ArviZ is not installed.
    ValueError
        If the posterior has no particles or ``draws`` is below 1.
    """
    az = _arviz()
    if posterior.size == 0:
        raise ValueError("the posterior has no particles")
    n = posterior.size if draws is None else int(draws)
    if n < 1:
        raise ValueError(f"draws must be at least 1, got {draws}")
    if resample:
        rng = np.random.default_rng(seed)
        index = rng.choice(posterior.size, size=n, replace=True, p=posterior.weights)
    else:
        index = np.arange(posterior.size)
    values = posterior.particles[index]
    attrs = {
        "inference_library": "escalation",
        "method": posterior.method,
        "weighting": (
            f"importance resample of {n} draws (seed {seed}) from weighted particles"
            if resample
            else "every particle once; weights in sample_stats.weight, not applied"
        ),
        "particles": posterior.size,
        "ess": posterior.ess,
        "epsilon": posterior.epsilon,
        "seed": -1 if posterior.seed is None else posterior.seed,
    }
    data = az.from_dict(
        posterior={name: values[None, :, j] for j, name in enumerate(posterior.names)},
        sample_stats={
            "particle": index[None, :],
            "distance": posterior.distances[index][None, :],
            "weight": posterior.weights[index][None, :],
        },
        observed_data={
            name: np.array([v])
            for name, v in zip(posterior.summaries, posterior.observed, strict=True)
        },
        attrs=attrs,
    )
    data.posterior.attrs.update(attrs)  # so that it travels with the draws
    return data
