"""Simulation-based calibration: the chi-square tail, and SBC on a toy model."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest

from escalation.calibrate.priors import Priors
from escalation.validate.sbc import chi2_sf, sbc


def test_chi2_tail_matches_tables() -> None:
    # Critical values at 5 % (1, 3, 9 df) and 1 % (4 df) from standard tables.
    assert chi2_sf(3.841, 1) == pytest.approx(0.05, abs=1e-4)
    assert chi2_sf(7.815, 3) == pytest.approx(0.05, abs=1e-4)
    assert chi2_sf(16.919, 9) == pytest.approx(0.05, abs=1e-4)
    assert chi2_sf(13.277, 4) == pytest.approx(0.01, abs=1e-4)
    assert chi2_sf(0.0, 5) == 1.0


def toy(thetas: np.ndarray, seeds: Sequence[np.random.SeedSequence]) -> np.ndarray:
    """One summary: parameter a plus noise; parameter b does nothing."""
    return np.array(
        [
            [t[0] + np.random.default_rng(s).normal(0, 0.3)]
            for t, s in zip(thetas, seeds, strict=True)
        ]
    )


PRIORS = Priors.model_validate(
    {
        "parameters": {
            "x.a": {"dist": "uniform", "low": -3, "high": 3},
            "x.b": {"dist": "uniform", "low": 0, "high": 1},
        }
    }
)


@pytest.mark.slow
def test_sbc_sees_which_parameter_the_data_identify() -> None:
    result = sbc(
        toy,
        PRIORS,
        replicates=12,
        population=40,
        generations=2,
        posterior_draws=19,
        bins=4,
        seed=3,
    )
    rows = {r["parameter"]: r for r in result.rows()}
    assert result.ranks.shape == (12, 2)
    assert ((result.ranks >= 0) & (result.ranks <= 19)).all()
    assert rows["x.a"]["contraction"] > 0.6  # the summary pins a down
    assert abs(rows["x.b"]["contraction"]) < 0.35  # ... and says nothing about b
    assert 0.0 <= rows["x.a"]["p_uniform"] <= 1.0
    again = sbc(
        toy,
        PRIORS,
        replicates=12,
        population=40,
        generations=2,
        posterior_draws=19,
        bins=4,
        seed=3,
    )
    assert np.array_equal(again.ranks, result.ranks)  # every draw from the seed
    assert "x.b" in result.to_csv()


def test_sbc_rejects_bad_settings() -> None:
    with pytest.raises(ValueError, match="bins"):
        sbc(toy, PRIORS, replicates=4, posterior_draws=10, bins=4)
    with pytest.raises(ValueError, match="priors"):
        sbc(toy)
