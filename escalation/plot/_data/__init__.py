"""The numbers behind each plot, computed apart from the drawing.

Every function here returns plain numpy arrays or small frozen dataclasses, so that what a
plot shows can be tested (and reused) without matplotlib. The plotting functions in
:mod:`escalation.plot` only draw what these return. One module per plot:

* :mod:`~escalation.plot._data.sample`: :func:`as_sample`, one columnar view of an ensemble
  or a list of runs (failed runs left out and counted), the outcome kinds, Wilson intervals;
* :mod:`~escalation.plot._data.trajectory`: the step lines and packages of one run;
* :mod:`~escalation.plot._data.fan`: escalation levels across runs, day by day;
* :mod:`~escalation.plot._data.outcomes`: ECDF of the time to rupture, counts of the others;
* :mod:`~escalation.plot._data.ladder`: the levels of a ladder and the measures on each;
* :mod:`~escalation.plot._data.posterior`: weighted marginals of a calibration's parameters.
"""

from escalation.plot._data.fan import (
    Fan,
    dates_of,
    day_grid,
    escalation_paths,
    fan_data,
    ruptured_by,
)
from escalation.plot._data.ladder import Rung, ladder_data
from escalation.plot._data.outcomes import (
    Counts,
    Ecdf,
    Endings,
    binary_data,
    count_data,
    ecdf_data,
    endings_data,
    mover_data,
)
from escalation.plot._data.posterior import MarginalData, marginal_data, short_names
from escalation.plot._data.sample import (
    OUTCOME_KINDS,
    Sample,
    Share,
    actor_labels,
    as_sample,
    check_outcome,
    wilson,
    wilson_arrays,
)
from escalation.plot._data.trajectory import (
    ActorPath,
    Mark,
    Trajectory,
    measure_label,
    trajectory_data,
)

__all__ = [
    "OUTCOME_KINDS",
    "ActorPath",
    "Counts",
    "Ecdf",
    "Endings",
    "Fan",
    "MarginalData",
    "Mark",
    "Rung",
    "Sample",
    "Share",
    "Trajectory",
    "actor_labels",
    "as_sample",
    "binary_data",
    "check_outcome",
    "count_data",
    "dates_of",
    "day_grid",
    "ecdf_data",
    "endings_data",
    "escalation_paths",
    "fan_data",
    "ladder_data",
    "marginal_data",
    "measure_label",
    "mover_data",
    "ruptured_by",
    "short_names",
    "trajectory_data",
    "wilson",
    "wilson_arrays",
]
