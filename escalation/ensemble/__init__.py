"""The ensemble layer: many runs, their outcomes and statistics.

Ensembles: many runs with independent seeds on any executor, their columnar outcomes and
files, checkpoints, and the statistics, summaries and comparisons computed from them.

* :mod:`~escalation.ensemble.columns`: the column layout and the event log as columns;
* :mod:`~escalation.ensemble.chunk`: child seeds and the runs of one chunk (worker side);
* :mod:`~escalation.ensemble.storage`: atomic ``.npz`` and JSON files, scenario hashes;
* :mod:`~escalation.ensemble.results`: :class:`Ensemble` and its files;
* :mod:`~escalation.ensemble.checkpoint`: finished chunks kept to resume from;
* :mod:`~escalation.ensemble.runner`: :func:`run_ensemble`;
* :mod:`~escalation.ensemble.stats`: intervals and estimates (no ensembles);
* :mod:`~escalation.ensemble.summary`: :class:`Summary` of one ensemble;
* :mod:`~escalation.ensemble.comparison`: :func:`compare` ensembles, paired or not.

It imports only :mod:`escalation.sim`, :mod:`escalation.model` and :mod:`escalation.base`.
"""

from escalation.ensemble.comparison import Comparison, compare
from escalation.ensemble.results import Ensemble
from escalation.ensemble.runner import run_ensemble
from escalation.ensemble.summary import Summary

__all__ = ["Comparison", "Ensemble", "Summary", "compare", "run_ensemble"]
