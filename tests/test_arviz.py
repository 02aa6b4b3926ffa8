"""Posterior.to_arviz: the weighted particles as ArviZ data, with the weighting stated."""

from __future__ import annotations

import numpy as np
import pytest

import escalation as esc

az = pytest.importorskip("arviz")


@pytest.fixture(scope="module")
def posterior() -> esc.Posterior:
    return esc.load_posterior(esc.load_scenario("nato-russia-2021").posterior)


def test_resample_follows_the_weights_and_the_seed(posterior) -> None:
    data = posterior.to_arviz(draws=20_000, seed=5)
    assert isinstance(data, az.InferenceData)
    assert set(data.groups()) >= {"posterior", "sample_stats", "observed_data"}
    assert list(data.posterior.data_vars) == list(posterior.names)
    assert data.posterior.sizes["chain"] == 1 and data.posterior.sizes["draw"] == 20_000
    index = data.sample_stats["particle"].values[0]
    np.testing.assert_array_equal(
        data.posterior[posterior.names[0]].values[0], posterior.particles[index, 0]
    )
    # each particle is drawn about as often as its weight says
    share = np.bincount(index, minlength=posterior.size) / 20_000
    assert np.abs(share - posterior.weights).max() < 0.02
    # the weighted mean is what ArviZ sees as the plain mean of the draws
    name = posterior.names[0]
    assert float(data.posterior[name].mean()) == pytest.approx(posterior.mean()[name], rel=0.05)
    again = posterior.to_arviz(draws=20_000, seed=5)
    np.testing.assert_array_equal(index, again.sample_stats["particle"].values[0])
    assert "importance resample" in data.posterior.attrs["weighting"]
    assert data.posterior.attrs["ess"] == pytest.approx(posterior.ess)


def test_without_resampling_every_particle_once_with_its_weight(posterior) -> None:
    data = posterior.to_arviz(resample=False)
    assert data.posterior.sizes["draw"] == posterior.size
    np.testing.assert_array_equal(data.sample_stats["weight"].values[0], posterior.weights)
    assert "not applied" in data.posterior.attrs["weighting"]
    with pytest.raises(ValueError, match="draws"):
        posterior.to_arviz(draws=0)
