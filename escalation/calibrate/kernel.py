"""The perturbation kernel of ABC-SMC: proposing new particles, and its density.

How it moves each kind of parameter, and why, is in ``docs/calibration.md`` ("ABC-SMC").
"""

from __future__ import annotations

import math

import numpy as np

from escalation.calibrate.priors import Priors

#: Floor of the kernel standard deviation of integer parameters, so that a population that
#: agrees on one value can still move.
MIN_INTEGER_SD = 0.5


class PerturbationKernel:
    """Gaussian kernel around the weighted particles of the previous generation.

    Continuous parameters move together (covariance twice the particles' weighted covariance,
    on the log scale for log-uniform and lognormal priors); each integer parameter moves by a
    discretised Gaussian over its prior's integers. See ``docs/calibration.md`` ("ABC-SMC").
    """

    def __init__(
        self, particles: np.ndarray, weights: np.ndarray, priors: Priors, local: bool = False
    ):
        self.logged = np.flatnonzero(priors.log_scale & ~priors.integer)
        self.particles = self._to_kernel(particles)
        self.weights = weights
        self.log_weights = np.log(np.where(weights > 0, weights, 1e-300))
        mask = priors.integer
        self.cont = np.flatnonzero(~mask)
        self.disc = np.flatnonzero(mask)
        particles = self.particles
        x = particles[:, self.cont]
        mean = weights @ x
        cov = 2.0 * ((x - mean).T @ ((x - mean) * weights[:, None]))
        spreads = np.array(
            [1.0 if j in self.logged else priors.dists[j].spread for j in self.cont]
        )
        # A population that agrees on a value would give a singular covariance: add a ridge
        # far below the prior's scale, which keeps the kernel a proper density.
        cov = cov + np.diag((1e-6 * spreads) ** 2 + 1e-12)
        self.chol = np.linalg.cholesky(cov) if len(self.cont) else np.empty((0, 0))
        self.log_det = 2.0 * float(np.sum(np.log(np.diag(self.chol)))) if len(self.cont) else 0.0
        # Local kernels: one covariance per particle (None: the global one for all).
        self.local_chol: np.ndarray | None = None
        self.local_log_det: np.ndarray | None = None
        if local and len(self.cont):
            ridge = np.diag((1e-6 * spreads) ** 2 + 1e-12)
            self.local_chol, self.local_log_det = _local_cholesky(x, self.chol, ridge)
        self.supports: list[np.ndarray] = []
        self.sds: list[float] = []
        for j in self.disc:
            d = priors.dists[j]
            low, high = d.bounds
            if high - low > 5000:
                raise ValueError(
                    f"the integer prior of {priors.names[j]} spans {high - low:.0f} values; "
                    "use a continuous prior (it is rounded when applied)"
                )
            self.supports.append(np.arange(low, high + 1.0))
            var = float(weights @ (particles[:, j] - weights @ particles[:, j]) ** 2)
            self.sds.append(max(math.sqrt(2.0 * var), MIN_INTEGER_SD))

    def _to_kernel(self, theta: np.ndarray) -> np.ndarray:
        """Parameters on the kernel's scale (logs of the log-scale ones)."""
        out = np.array(theta, dtype=float)
        if len(self.logged):
            with np.errstate(divide="ignore", invalid="ignore"):
                out[:, self.logged] = np.log(out[:, self.logged])
        return out

    def _discrete_logpmf(self, k: int, values: np.ndarray, centers: np.ndarray) -> np.ndarray:
        """Log P(values | centers) for integer dimension ``k``, one column per center."""
        support, sd = self.supports[k], self.sds[k]
        logits = -0.5 * ((support[None, :] - centers[:, None]) / sd) ** 2
        log_z = np.logaddexp.reduce(logits, axis=1)
        return -0.5 * ((values[:, None] - centers[None, :]) / sd) ** 2 - log_z[None, :]

    def propose(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """Resample ``n`` particles by weight and perturb them."""
        cdf = np.cumsum(self.weights)
        idx = np.minimum(np.searchsorted(cdf, rng.random(n), side="right"), len(cdf) - 1)
        out = self.particles[idx].copy()
        if len(self.cont):
            z = rng.standard_normal((n, len(self.cont)))
            if self.local_chol is None:
                out[:, self.cont] += z @ self.chol.T
            else:
                out[:, self.cont] += np.einsum("nij,nj->ni", self.local_chol[idx], z)
        for k, j in enumerate(self.disc):
            support, sd = self.supports[k], self.sds[k]
            logits = -0.5 * ((support[None, :] - out[:, j][:, None]) / sd) ** 2
            p = np.exp(logits - logits.max(axis=1, keepdims=True))
            cdf_k = np.cumsum(p, axis=1)
            u = rng.random(n) * cdf_k[:, -1]
            pick = np.minimum((cdf_k < u[:, None]).sum(axis=1), len(support) - 1)
            out[:, j] = support[pick]
        if len(self.logged):
            out[:, self.logged] = np.exp(out[:, self.logged])
        return out

    def log_density(self, theta: np.ndarray) -> np.ndarray:
        """``log sum_j w_j K(theta_i | theta_j)`` for each row of ``theta``.

        The density is on the parameters' own scale: for a parameter moved on the log scale
        the Jacobian ``1 / theta`` enters.
        """
        jacobian = -np.sum(np.log(theta[:, self.logged]), axis=1) if len(self.logged) else 0.0
        theta = self._to_kernel(theta)
        out = np.empty(len(theta))
        dc = len(self.cont)
        const = -0.5 * dc * math.log(2 * math.pi) - 0.5 * self.log_det
        disc_centers = [self.particles[:, j] for j in self.disc]
        for start in range(0, len(theta), 256):
            block = theta[start : start + 256]
            logk = np.zeros((len(block), len(self.particles)))
            if dc and self.local_chol is not None:
                logk += self._local_log_kernel(block)
            elif dc:
                diff = block[:, None, self.cont] - self.particles[None, :, self.cont]
                sol = np.linalg.solve(self.chol, diff.reshape(-1, dc).T).T
                logk += const - 0.5 * np.sum(sol * sol, axis=1).reshape(len(block), -1)
            for k, j in enumerate(self.disc):
                logk += self._discrete_logpmf(k, block[:, j], disc_centers[k])
            out[start : start + 256] = np.logaddexp.reduce(logk + self.log_weights, axis=1)
        return out + jacobian

    def _local_log_kernel(self, block: np.ndarray) -> np.ndarray:
        """``log N(block_i | particle_j, local covariance_j)``, one column per particle."""
        assert self.local_chol is not None and self.local_log_det is not None
        dc = len(self.cont)
        x = block[:, self.cont]
        out = np.empty((len(block), len(self.particles)))
        for j, centre in enumerate(self.particles[:, self.cont]):
            sol = np.linalg.solve(self.local_chol[j], (x - centre).T)
            out[:, j] = -0.5 * np.sum(sol * sol, axis=0) - 0.5 * self.local_log_det[j]
        return out - 0.5 * dc * math.log(2 * math.pi)


#: Share of the population whose covariance makes a particle's local kernel.
LOCAL_SHARE = 0.2


def _local_cholesky(
    x: np.ndarray, chol: np.ndarray, ridge: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Per particle: Cholesky factor and log-determinant of its local kernel covariance.

    The local covariance of particle ``j`` is twice the covariance of its ``M``
    nearest particles (itself included; distances in the metric of the global kernel), ``M``
    the larger of ``LOCAL_SHARE`` of the population and two more than the dimension: the
    M-nearest-neighbours kernel of Filippi et al. (2013, Stat. Appl. Genet. Mol. Biol. 12),
    which proposes close to where particles are dense and lets a thin region of the
    posterior keep its particles where one global covariance would scatter them.
    """
    n, d = x.shape
    m = min(n, max(math.ceil(LOCAL_SHARE * n), d + 2))
    z = np.linalg.solve(chol, x.T).T  # whitened by the global kernel
    sq = np.sum(z * z, axis=1)
    dist = sq[:, None] + sq[None, :] - 2.0 * z @ z.T
    near = np.argsort(dist, axis=1, kind="stable")[:, :m]
    chols = np.empty((n, d, d))
    log_det = np.empty(n)
    for j in range(n):
        nb = x[near[j]]
        centred = nb - nb.mean(axis=0)
        cov = 2.0 * (centred.T @ centred) / m + ridge
        chols[j] = np.linalg.cholesky(cov)
        log_det[j] = 2.0 * float(np.sum(np.log(np.diag(chols[j]))))
    return chols, log_det
