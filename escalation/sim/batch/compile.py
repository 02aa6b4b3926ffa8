"""A scenario compiled into the arrays the batch engine runs on, and what it covers.

:func:`uncovered` says why a scenario cannot run on the batch engine (``None`` if it can);
:func:`compile_scenario` builds the static tuple the kernels read (layout below), from the
same :class:`~escalation.sim.prepared.Prepared` the SimPy engine uses, so that the two agree
on triggers, memory, ladder and policies by construction. A scenario with a ``posterior:``
gets one row of policy parameters per particle, built once per process and file.

The arrays follow :mod:`escalation.sim.batch.layout`; policy parameters are 12 columns per
(particle, actor, counterpart): reply probability, lag median and sigma, delay median and
sigma, perception noise, implementation noise, then the policy's own (POLICY_CODES).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

import escalation.sim.batch.layout as L  # noqa: N812 (a namespace of slots)
from escalation.model.measure import MeasureKind
from escalation.model.parameters import ParameterSample, read_parameter_sample
from escalation.model.policies import (
    EscalateByK,
    GenerousTitForTat,
    Gradual,
    Grievance,
    GrimTrigger,
    LevelParity,
    Passive,
    Proportional,
    Reciprocity,
    Scripted,
    TitForTat,
    TitForTwoTats,
)
from escalation.model.policy import Policy
from escalation.model.state import Status
from escalation.sim.prepared import Prepared

KINDS: tuple[MeasureKind, ...] = tuple(MeasureKind)
_STATUS = {Status.OPEN: 0, Status.SUSPENDED: 1, Status.CLOSED: 2}

#: Policy classes the batch engine covers, with their code and own parameters (columns 7-11).
#: Reciprocity's rupture threshold is ``threshold + rupture_gap`` (NaN: none), as it computes it.
POLICY_CODES: dict[type[Policy], tuple[int, tuple[str, ...]]] = {
    Passive: (0, ()),
    Scripted: (0, ()),
    TitForTat: (1, ()),
    Proportional: (2, ("ratio",)),
    GenerousTitForTat: (3, ("forgiveness",)),
    TitForTwoTats: (4, ("tats",)),
    GrimTrigger: (5, ("threshold",)),
    EscalateByK: (6, ("k",)),
    Gradual: (7, ("step", "calming")),
    LevelParity: (8, ()),
    Grievance: (9, ("threshold", "half_life", "k", "rupture_threshold")),
    Reciprocity: (10, ("threshold", "slope", "rupture_threshold", "half_life", "ratio")),
}
#: Codes of the policies whose lags and delays are whole days (``Policy.whole_days``), as
#: the compiled loop rounds them (``loop.WHOLE_DAYS_CODE``).
WHOLE_DAYS = frozenset({10})
N_PARAMETERS = L.N_PARAMETERS


def _policy_problem(policy: Policy) -> str | None:
    cls = type(policy)
    if cls not in POLICY_CODES:
        return f"policy {policy.name!r} ({cls.__name__}) is not a built-in the batch engine covers"
    if cls.whole_days != (POLICY_CODES[cls][0] in WHOLE_DAYS):
        return f"policy {policy.name!r}: whole-day lags that the batch engine does not round"
    return None


def uncovered(scenario: Any) -> str | None:
    """Why ``scenario`` cannot run on the batch engine, or ``None`` when it can."""
    for a in scenario.actors:
        for p in (a.policy, *a.policies.values()):
            if p is not None and (why := _policy_problem(p)):
                return f"actor {a.id!r}: {why}"
    if scenario.posterior is not None:
        try:
            sample = read_parameter_sample(scenario.posterior)
        except Exception as exc:  # the SimPy engine gives the message
            return f"posterior: {exc}"
        for actor, base in sample.bases.items():
            if isinstance(base, Scripted) or (why := _policy_problem(base)):
                return f"posterior base policy of {actor!r}: {why or 'scripted'}"
    return None


def policy_row(policy: Policy) -> tuple[int, np.ndarray]:
    """The code of a covered policy and its row of parameters (columns as POLICY_CODES)."""
    code, own = POLICY_CODES[type(policy)]
    row = np.zeros(N_PARAMETERS)
    row[:7] = (
        policy.reply_probability,
        policy.lag.median,
        policy.lag.sigma,
        policy.delay.median,
        policy.delay.sigma,
        policy.perception_noise,
        policy.implementation_noise,
    )
    for j, name in enumerate(own):
        value = getattr(policy, name)
        row[7 + j] = math.nan if value is None else float(value)
    return code, row


def _policies(prepared: Prepared, ids: dict[str, int]) -> tuple[np.ndarray, np.ndarray]:
    n = len(ids)
    kinds = np.zeros(n * n, dtype=np.int64)
    values = np.zeros((n * n, N_PARAMETERS))
    for (a, b), policy in prepared.policies.items():
        kinds[ids[a] * n + ids[b]], values[ids[a] * n + ids[b]] = policy_row(policy)
    return kinds, values


def _presences(prepared: Prepared, ids: dict[str, int], order: list[str]) -> tuple[Any, ...]:
    state = prepared.initial
    pidx = {pid: i for i, pid in enumerate(order)}
    ps = [state.presences[pid] for pid in order]
    n = len(ids)
    owner = np.array([ids[p.owner] for p in ps], dtype=np.int64)
    host = np.array([ids[p.host] for p in ps], dtype=np.int64)
    rank = np.empty(len(ps), dtype=np.int64)
    rank[np.argsort(np.array(order, dtype=object), kind="stable")] = np.arange(len(ps))
    starts = np.zeros(n * n + 1, dtype=np.int64)
    listed: list[int] = []
    for key in range(n * n):
        h, o = divmod(key, n)
        hosted = state._hosted.get((list(ids)[h], list(ids)[o]), ())
        listed += [pidx[pid] for pid in hosted]
        starts[key + 1] = len(listed)
    staff = np.array([p.staff for p in ps], dtype=np.int64)
    cap = np.array([-1 if p.cap is None else p.cap for p in ps], dtype=np.int64)
    status = np.array([_STATUS[p.status] for p in ps], dtype=np.int64)
    twin = [state.mirror(pid) for pid in order]  # the presence that mirrors each (-1 none)
    twins = np.array([-1 if t is None else pidx[t] for t in twin], dtype=np.int64)
    listed_ = np.array(listed, dtype=np.int64)
    return owner, host, rank, starts, listed_, staff, cap, status, twins


def _triggers(prepared: Prepared, ids: dict[str, int], pidx: dict[str, int]) -> tuple[Any, ...]:
    slots: dict[str, int] = {}
    for _, (_, t, _) in prepared.triggers:
        for name in (t.id, t.cause):
            if name is not None:
                slots.setdefault(name, len(slots))
    times = np.array([when for when, _ in prepared.triggers], dtype=np.float64)
    rows = np.zeros((len(times), 7), dtype=np.int64)
    delays = np.zeros(len(times))
    for i, (_, (m, t, delay)) in enumerate(prepared.triggers):
        rows[i] = (
            KINDS.index(m.kind),
            ids[m.actor],
            ids[m.target],
            -1 if m.presence is None else pidx[m.presence],
            m.magnitude,
            -1 if t.id is None else slots[t.id],
            -1 if not t.cause else slots[t.cause],
        )
        delays[i] = delay
    return times, rows, delays, len(slots)


def _memory(prepared: Prepared, ids: dict[str, int], pidx: dict[str, int]) -> tuple[Any, ...]:
    # Remembered events, list by list (never applied; their presences are read by mirrors).
    n = len(ids)
    rows, times = [], []
    for (target, actor), events in prepared.memory.items():
        for e in events:
            rows.append(
                (
                    ids[target] * n + ids[actor],
                    e.id,
                    KINDS.index(e.measure),
                    e.severity,
                    ids[actor],
                    ids[target],
                    e.magnitude,
                    -1 if e.presence is None else pidx[e.presence],
                )
            )
            times.append(e.time)
    rows_ = np.array(rows, dtype=np.int64).reshape(-1, L.MEM_COLS)
    return rows_, np.array(times, dtype=np.float64)


def _rupture_rule(prepared: Prepared, ids: dict[str, int]) -> tuple[int, np.ndarray]:
    # The stop rule's code, and which pairs stop a run when they rupture (a list of pairs).
    n = len(ids)
    stops = np.zeros(n * n, dtype=np.int64)
    rule = prepared.rupture_rule
    if not isinstance(rule, str):
        for pair in rule:
            a, b = (ids[x] for x in sorted(pair))
            stops[a * n + b] = stops[b * n + a] = 1
        return L.RULE_PAIRS, stops
    codes = {"none": L.RULE_NONE, "any": L.RULE_ANY, "all": L.RULE_ALL}
    return codes[rule], stops


_particles: dict[int, tuple[ParameterSample, Any, np.ndarray, np.ndarray]] = {}


def _particle_tables(scenario: Any, ids: dict[str, int]) -> tuple[np.ndarray, np.ndarray, Any]:
    # One row of policies per particle, built once per process and posterior file.
    sample = read_parameter_sample(scenario.posterior)
    hit = _particles.get(id(sample))
    if hit is not None and hit[0] is sample and (hit[1] is scenario or hit[1] == scenario):
        return hit[2], hit[3], sample
    kinds, values = [], []
    for i in range(sample.size):
        drawn = sample.apply(scenario, i, source=scenario.posterior)
        k, v = _policies(Prepared(drawn), ids)
        kinds.append(k)
        values.append(v)
    table = (np.stack(kinds), np.stack(values))
    _particles.clear()
    _particles[id(sample)] = (sample, scenario, *table)
    return (*table, sample)


#: Capacities of a run's buffers: events queued at once, measures planned, events announced.
HEAP, MEASURES, EVENTS = 4096, 16384, 16384


class _Packer:
    # Appends tables to a flat array, noting their offsets in the header of ``S``.
    def __init__(self, head: list[int], start: int):
        self.parts: list[np.ndarray] = []
        self.size = start
        self.head = head

    def add(self, slot: int, table: Any, dtype: Any) -> None:
        flat = np.asarray(table, dtype=dtype).ravel()
        self.head[slot] = self.size
        self.parts.append(flat)
        self.size += flat.size

    def reserve(self, slot: int, n: int) -> None:
        self.head[slot] = self.size
        self.size += n


def _buffers(
    head: list[int], na: int, npres: int, slots: int, events: int, log: int
) -> tuple[_Packer, _Packer]:
    """Reserve a run's working buffers in ``W`` (integers) and ``V`` (floats)."""
    w = _Packer(head, L.W_HEADER)
    for slot, n in (
        (L.OW_HV, HEAP * L.HV_COLS),
        (L.OW_MT, MEASURES * L.MT_COLS),
        (L.OW_EV, events * L.EV_COLS),
        (L.OW_HEAD, na * na),
        (L.OW_TAIL, na * na),
        (L.OW_PKG, na * na),
        (L.OW_SLOT, slots + 1),
        (L.OW_DEC, 3 * (npres + len(KINDS) + 1)),  # a rupture, or an act per kind
        (L.OW_MEMO, 3 * na * na),  # flags, then grievance's last events read
        (L.OW_RUPTURED, na * na),
        (L.OW_BUF, 3 * (12 * npres + 8)),
        (L.OW_STAFF, npres),
        (L.OW_CAP, npres),
        (L.OW_STATUS, npres),
        (L.OW_SIZES, 4),
        (L.OW_LOG, log * L.LOG_COLS),
    ):
        w.reserve(slot, n)
    v = _Packer(head, L.V_HEADER)
    for slot, n in (
        (L.OV_HT, HEAP),
        (L.OV_MD, MEASURES),
        (L.OV_ET, events),
        (L.OV_TMP, events),
        (L.OV_MEMO, 3 * na * na),  # stock and time, then grievance's sent stock
        (L.OV_LOG, log),
    ):
        v.reserve(slot, n)
    return w, v


def compile_scenario(
    scenario: Any,
    *,
    log: int = 0,
    tables: tuple[np.ndarray, np.ndarray] | None = None,
    prepared: Prepared | None = None,
) -> tuple[np.ndarray, np.ndarray, int, int]:
    """``scenario`` as the flat arrays ``S``, ``F`` and the sizes of ``W``, ``V``.

    The layout is :mod:`escalation.sim.batch.layout`'s. ``log``: capacity of each run's
    event log (0: none; :mod:`escalation.sim.batch.eventlog`). ``tables``: the policies of
    each particle, codes ``(K, A * A)`` and parameters ``(K, A * A, N_PARAMETERS)``, instead
    of the scenario's own (a run then plays the particle it is given). ``prepared``: the
    scenario's :class:`Prepared`, if already made.
    """
    prepared = Prepared(scenario) if prepared is None else prepared
    ids = {a.id: i for i, a in enumerate(scenario.actors)}
    order = [p.id for p in scenario.presences]
    pidx = {pid: i for i, pid in enumerate(order)}
    owner, host, rank, starts, listed, staff, cap, status, twins = _presences(prepared, ids, order)
    ladder = prepared.ladder
    times, rows, delays, slots = _triggers(prepared, ids, pidx)
    mem, mem_times = _memory(prepared, ids, pidx)
    if tables is not None:
        kinds, values = tables
        cdf = np.ones(len(kinds))
    elif scenario.posterior is not None:
        kinds, values, sample = _particle_tables(scenario, ids)
        cdf = np.asarray(sample._cdf, dtype=np.float64)
    else:
        k1, v1 = _policies(prepared, ids)
        kinds, values, cdf = k1[None], v1[None], np.ones(1)
    na, npres = len(ids), len(order)
    head = [0] * L.HEADER
    rule, stop_pairs = _rupture_rule(prepared, ids)
    head[0:10] = [
        *(na, npres, ladder.large_expulsion, ladder.top, len(times), len(mem)),
        *(rule, int(tables is None and scenario.posterior is not None), len(cdf), slots),
    ]
    head[L.PAIRS] = len(list(prepared.initial.pairs()))
    s = _Packer(head, L.HEADER)
    for slot, table in zip(
        (
            *(L.O_OWNER, L.O_HOST, L.O_RANK, L.O_HS, L.O_HI),
            *(L.O_STAFF0, L.O_CAP0, L.O_STATUS0, L.O_TWIN),
        ),
        (owner, host, rank, starts, listed, staff, cap, status, twins),
        strict=True,
    ):
        s.add(slot, table, np.int64)
    s.add(L.O_SEV, [ladder.severities[k] for k in KINDS], np.int64)
    s.add(L.O_TR, rows, np.int64)
    s.add(L.O_MEM, mem, np.int64)
    s.add(L.O_PTYPE, kinds, np.int64)
    s.add(L.O_STOPPAIR, stop_pairs, np.int64)
    quiet = prepared.quiet_days
    f = _Packer(head, L.F_HEADER)
    f.parts.append(np.array([prepared.horizon, -1.0 if quiet is None else quiet]))
    for slot, table in zip(
        (L.OF_TRT, L.OF_TRD, L.OF_MEMT, L.OF_PF, L.OF_CDF),
        (times, delays, mem_times, values, cdf),
        strict=True,
    ):
        f.add(slot, table, np.float64)
    events = EVENTS + len(mem)
    w, v = _buffers(head, na, npres, slots, events, log)
    head[L.LOG_CAP] = log
    head[L.W_SIZE], head[L.V_SIZE] = w.size, v.size
    head[L.HEAP_CAP], head[L.MT_CAP], head[L.EV_CAP] = HEAP, MEASURES, events
    S = np.concatenate([np.array(head, dtype=np.int64), *s.parts])
    F = np.concatenate(f.parts)
    return S, F, w.size, v.size
