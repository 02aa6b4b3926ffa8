"""Validation that can fail: scored predictions, joint checks, simulation-based calibration.

A layer above :mod:`escalation.calibrate`: it uses posteriors and calibration problems and
asks how well the calibrated model predicts, and whether the pipeline recovers what it fits.
``predict`` (dyad predictions, scores), ``dyads`` (outcomes per dyad from an event log),
``scores`` (CRPS, Brier, log score, PIT), ``joint`` (joint predictive checks), ``sbc``
(simulation-based calibration).
"""
