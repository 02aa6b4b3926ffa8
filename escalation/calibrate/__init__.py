"""The calibration layer: fitting policy parameters to documented episodes.

Calibration: priors, ABC-SMC, episode summaries, the calibration problem, posteriors and
their predictive checks.

It imports the layers below it (:mod:`escalation.ensemble`, :mod:`escalation.sim`,
:mod:`escalation.model`, :mod:`escalation.base`), never :mod:`escalation.plot` or
:mod:`escalation.cli`.
"""
