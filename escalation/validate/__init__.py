"""Validation that can fail: scored predictions, joint checks, simulation-based calibration.

A layer above :mod:`escalation.calibrate`: it uses posteriors and calibration problems and
asks how well the calibrated model predicts, and whether the pipeline recovers what it fits.
``predict`` (dyad predictions, scores), ``dyads`` (outcomes per dyad from an event log),
``scores`` (CRPS, Brier, log score, PIT), ``joint`` (joint predictive checks), ``crossval``
(left-out episodes of one history) and ``leaveout`` (of an episode set) against null models,
``modelchoice`` (policy families by left-out score), ``sbc`` (simulation-based calibration),
``sweep`` and ``sensitivity`` (parameter sweeps, Sobol indices), ``mcerror`` (the
calibration's own Monte Carlo error).
"""
