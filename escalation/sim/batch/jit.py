"""How the batch engine's kernels are compiled: numba, cached on disk, without NRT.

``kernel`` compiles a function in nopython mode, cached on disk (``cache=True``, so that only
the first call of an installation pays the compile time) and without numba's reference-counted
runtime (``_nrt=False``): the kernels allocate nothing and only index four flat arrays, and
with the runtime every call between kernels counted references on each array atomically,
which took about a third of a run's time. ``tiny`` also inlines the function into its callers
(one-line helpers called in every loop).
"""

from __future__ import annotations

from typing import Any, cast

from numba import njit

_njit = cast(Any, njit)
kernel: Any = _njit(cache=True, _nrt=False)
tiny: Any = _njit(cache=True, _nrt=False, inline="always")
