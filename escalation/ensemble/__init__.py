"""The ensemble layer: many runs, their outcomes and statistics.

Ensembles: many runs with independent seeds on any executor, their columnar outcomes and
files, checkpoints, and the statistics, summaries and comparisons computed from them.

It imports only :mod:`escalation.sim`, :mod:`escalation.model` and :mod:`escalation.base`.
"""

from escalation.ensemble.results import Ensemble, run_ensemble

__all__ = ["Ensemble", "run_ensemble"]
