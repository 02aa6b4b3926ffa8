"""The tiny two-actor scenario the hardening tests build their bad or odd files from."""

from __future__ import annotations

#: Two tit-for-tat states with a mission each and one expulsion on day 1; no horizon set.
TINY = """\
name: tiny
start: 2021-01-01
actors:
  - {id: a, policy: {type: tit-for-tat}}
  - {id: b, policy: {type: tit-for-tat}}
presences:
  - {id: a-in-b, owner: a, host: b, staff: 20}
  - {id: b-in-a, owner: b, host: a, staff: 20}
triggers:
  - {actor: b, target: a, measure: expel, presence: a-in-b, magnitude: 3, day: 1}
"""


def tiny(*lines: str) -> str:
    """:data:`TINY` with top-level ``lines`` added (``"horizon_days: 10"``, ...)."""
    return TINY + "".join(f"{line}\n" for line in lines)
