"""The calibration layer: fitting policy parameters to documented episodes, and checking the fit.

Entry points: :func:`escalation.calibrate.driver.calibrate`,
:func:`escalation.calibrate.checks.predictive_checks`, and the
:class:`~escalation.calibrate.posterior.Posterior` they work with; the priors are
:mod:`escalation.calibrate.priors`. How it all works is in ``docs/calibration.md``.

It imports the layers below it (:mod:`escalation.ensemble`, :mod:`escalation.sim`,
:mod:`escalation.model`, :mod:`escalation.base`), never :mod:`escalation.plot` or
:mod:`escalation.cli`. This file imports nothing, so that importing one module of the layer
does not load the others.
"""
