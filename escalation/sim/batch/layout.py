"""Where things are in the four flat arrays the batch engine's kernels share.

A compiled scenario and a run's working memory live in four one-dimensional arrays: ``S``
(static integers), ``F`` (static floats), ``W`` (working integers: counters, event queue,
state, announced events) and ``V`` (working floats). Passing four arrays, rather than tuples of
dozens, keeps a compiled call cheap: numba counts references to every array passed, and
atomic reference counts dominated the run time when state travelled as tuples of arrays.

``S`` starts with a header: sizes, then offsets of the tables in ``S``, ``F``, ``W`` and
``V``; tables of several columns are stored row by row. The names below are header slots.
"""

from __future__ import annotations

# -- S header: sizes and flags (STOP_RUPTURE: RULE_NONE, RULE_ANY, RULE_ALL or RULE_PAIRS)
A, P, LARGE, TOP, T, M, STOP_RUPTURE, POSTERIOR, K, SLOTS = range(10)
RULE_NONE, RULE_ANY, RULE_ALL, RULE_PAIRS = range(4)
# -- S header: offsets of tables in S
O_OWNER, O_HOST, O_RANK, O_HS, O_HI, O_SEV, O_STAFF0, O_CAP0, O_STATUS0 = range(10, 19)
O_TR, O_MEM, O_PTYPE = 19, 20, 21  # triggers (T x 7), memory (M x 7), policy type (K x A x A)
# -- S header: offsets of tables in F
OF_TRT, OF_TRD, OF_MEMT, OF_PF, OF_CDF = 22, 23, 24, 25, 26
# -- S header: offsets of tables in W
OW_HV, OW_MT, OW_EV, OW_HEAD, OW_TAIL, OW_PKG, OW_SLOT, OW_DEC, OW_BUF = range(27, 36)
OW_STAFF, OW_CAP, OW_STATUS, OW_SIZES, W_SIZE = range(36, 41)
# -- S header: offsets of tables in V, and capacities
OV_HT, OV_MD, OV_ET, OV_TMP, V_SIZE = range(41, 46)
HEAP_CAP, MT_CAP, EV_CAP = 46, 47, 48
# -- S header: presences' mirrors (P; -1 none) in S; policies' memo in W: flags (A x A), then
# grievance's last received and sent events read (A x A x 2); in V: reciprocity's or
# grievance's (received) stock and its time (A x A x 2), then grievance's sent stock (A x A)
O_TWIN, OW_MEMO, OV_MEMO = 49, 50, 51
# -- S header: the stop rule's pairs (A x A, 1: stops) in S, pairs ever ruptured (A x A) in W,
# and the number of pairs with a channel
O_STOPPAIR, OW_RUPTURED, PAIRS = 52, 53, 54
# -- S header: the event log's capacity (0: no log) and where its rows are in W and V
LOG_CAP, OW_LOG, OV_LOG = 55, 56, 57
HEADER = 64

# -- F: stop rules first
HORIZON, QUIET = 0, 1
F_HEADER = 2

# -- W header: counters of the run
EID, NLOG, ACTS, ROUNDS, PEAK, LAST, PENDING, QCHECK, TLEFT, REASON, RUPT = range(11)
HN, MTN, EVN, OVER, CTR, PART, NRUPT = range(11, 18)
W_HEADER = 32

# -- V header: times of the run
NOW, LASTANN, END, RTIME = range(4)
V_HEADER = 8

# Columns of tables.
TR_COLS = 7  # kind, actor, target, presence, magnitude, id slot, cause slot
MEM_COLS = 8  # list key, id, kind, severity, actor, target, magnitude, presence
HV_COLS = 3  # order, type, payload
MT_COLS = 6  # kind, actor, target, presence, magnitude, cause
EV_COLS = 9  # id, kind, severity, cause, actor, target, magnitude, next, presence
E_ID, E_KIND, E_SEV, E_CAUSE, E_ACTOR, E_TARGET, E_MAG, E_NEXT, E_PRES = range(9)
LOG_COLS = 10  # act, phase, kind, actor, target, presence, magnitude, severity, cause, forced
L_ANNOUNCED, L_EFFECTIVE, L_LAPSED, L_INFEASIBLE = range(4)  # phases of log rows
N_PARAMETERS = 12  # policy parameters (see escalation.sim.batch.compile.POLICY_CODES)
