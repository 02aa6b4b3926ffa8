"""Plots of runs, ensembles and calibrations.

Every function takes ``ax=None`` (a new figure is made when it is ``None``) and returns the
matplotlib :class:`~matplotlib.axes.Axes` it drew on; the grids take ``fig=None`` and return
their array of Axes. The numbers each plot shows are computed in :mod:`escalation.plot._data`,
apart from the drawing. Nothing here changes matplotlib's global state (no ``rcParams``, no
pyplot state beyond :func:`matplotlib.pyplot.subplots` when a figure is needed).

* :func:`trajectory` (:mod:`~escalation.plot.timeline`): one run (or a replayed history) over
  calendar dates, with its measures annotated and, on request, the documented history
  overlaid.
* :func:`fan_chart` (:mod:`~escalation.plot.fan`): quantile bands of the escalation level
  across an ensemble's runs, with the share of all runs ruptured by each date on a panel of
  its own.
* :func:`endings` (:mod:`~escalation.plot.endings`): how the runs end (ruptured or not) and
  who moved last in each case.
* :func:`outcome_distribution` (:mod:`~escalation.plot.distribution`): the distribution of one
  outcome, in the view its type calls for, with its uncertainty.
* :func:`comparison` (:mod:`~escalation.plot.side_by_side`): one outcome side by side across
  scenarios. :func:`compare` is another name for it, kept for the notebooks; the table of the
  same comparison is :func:`escalation.compare`.
* :func:`severity_ladder` (:mod:`~escalation.plot.ladder`): the levels of a ladder and the
  measures on each.
* :func:`posterior_marginal`, :func:`posterior_marginals`, :func:`posterior_pair`,
  :func:`posterior_pairs` (:mod:`~escalation.plot.posterior`) and :func:`predictive_check`,
  :func:`predictive_checks` (:mod:`~escalation.plot.predictive`): a calibration's posterior and
  its posterior predictive checks.
* :func:`score_differences`, :func:`sbc_ranks` (:mod:`~escalation.plot.validation`): left-out
  scores against null models, and simulation-based calibration rank histograms.

Ensembles come from :func:`escalation.run_ensemble`; a list of :class:`~escalation.Run` works
too.
"""

from __future__ import annotations

from escalation.plot._common import OUTCOME_TITLES
from escalation.plot.distribution import outcome_distribution
from escalation.plot.endings import endings
from escalation.plot.fan import fan_chart
from escalation.plot.ladder import severity_ladder
from escalation.plot.posterior import (
    posterior_marginal,
    posterior_marginals,
    posterior_pair,
    posterior_pairs,
)
from escalation.plot.predictive import predictive_check, predictive_checks
from escalation.plot.side_by_side import comparison
from escalation.plot.timeline import trajectory
from escalation.plot.validation import sbc_ranks, score_differences

#: Another name for :func:`comparison` (the plot), kept so that ``esc.plot.compare(...)`` in
#: notebooks and scripts goes on working; :func:`escalation.compare` is the table.
compare = comparison

__all__ = [
    "OUTCOME_TITLES",
    "compare",
    "comparison",
    "endings",
    "fan_chart",
    "outcome_distribution",
    "posterior_marginal",
    "posterior_marginals",
    "posterior_pair",
    "posterior_pairs",
    "predictive_check",
    "predictive_checks",
    "sbc_ranks",
    "score_differences",
    "severity_ladder",
    "trajectory",
]
