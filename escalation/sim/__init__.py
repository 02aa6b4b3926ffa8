"""The simulation layer: scenarios played into runs.

Simulation: the SimPy engine that plays a scenario into a run (its event log, states and
outcome), and the replay of documented histories through the same engine.

Every use of SimPy internals is confined to :mod:`escalation.sim.kernel`. This package imports
only :mod:`escalation.model` and :mod:`escalation.base`.
"""
