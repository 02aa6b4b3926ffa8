"""The severity ladder: an ordinal scale for measures below war.

The default ladder follows the design notes in ``background.md`` section 8: eleven levels
(L0 routine ... L10 break diplomatic relations) anchored on the lower rungs of Kahn's
escalation ladder (*On Escalation*, 1965; rungs 1-10 as transcribed in Davis & Stan, RAND
R-3235, 1984). Each measure kind also carries its CAMEO event code and Goldstein weight, read
from the GDELT lookup files ``CAMEO.eventcodes.txt`` and ``CAMEO.goldsteinscale.txt``.

Expelling diplomats has no single CAMEO code: coders use 161 (reduce relations, -4.0), 166
(expel or withdraw, -7.0) or 174 (expel or deport individuals, -5.0). The code is therefore a
parameter of the ladder (``expulsion_code``), 174 by default.

Goldstein weights are not monotone in diplomatic severity (161 "break relations" is -4.0, milder
than 164 "halt negotiations" at -7.0), so they are kept as an alternative scale
(:meth:`Ladder.goldstein_scale`) rather than as the default.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from escalation.model.measure import MeasureKind

#: Names of the default levels, index = level.
DEFAULT_LEVELS: tuple[str, ...] = (
    "routine",
    "criticize / accuse",
    "formal protest",
    "threat to reduce relations",
    "expulsion",
    "large expulsion / mission cap",
    "close office or liaison mission",
    "suspend mission / halt talks",
    "economic sanctions",
    "recall ambassador / downgrade",
    "break diplomatic relations",
)

#: CAMEO code and Goldstein weight for each code used here (GDELT lookup tables).
CAMEO_GOLDSTEIN: Mapping[str, float] = {
    "010": 0.0,  # make statement
    "081": 5.0,  # ease administrative sanctions
    "111": -2.0,  # criticize or denounce
    "1125": -2.0,  # accuse of espionage, treason
    "1313": -5.8,  # threaten to reduce or break relations
    "161": -4.0,  # reduce or break diplomatic relations
    "164": -7.0,  # halt negotiations
    "166": -7.0,  # expel or withdraw, not specified below
    "172": -5.0,  # impose administrative sanctions
    "174": -5.0,  # expel or deport individuals
}

_EXPULSION_CODES = ("161", "166", "174")
#: Every measure kind (iterating the enum class itself is slow, and ladders are built often).
_KINDS: tuple[MeasureKind, ...] = tuple(MeasureKind)


@dataclass(frozen=True)
class Ladder:
    """An ordinal severity scale with CAMEO codes and Goldstein weights per measure kind.

    Parameters
    ----------
    levels
        Level names, index = severity.
    severities
        Severity of each measure kind.
    large_expulsion
        An expulsion of more than this many staff counts one level higher (a "large
        expulsion"), as does a cap cut of more than this many posts.
    expulsion_code
        CAMEO code used for expulsions: ``"174"`` (default), ``"166"`` or ``"161"``.
    codes
        CAMEO code of each measure kind (expulsion uses ``expulsion_code``).
    """

    levels: tuple[str, ...] = DEFAULT_LEVELS
    severities: Mapping[MeasureKind, int] = field(
        default_factory=lambda: {
            MeasureKind.RECALL: 0,
            MeasureKind.RESTORE: 0,
            MeasureKind.REACCREDIT: 0,
            MeasureKind.CRITICIZE: 1,
            MeasureKind.ACCUSE: 1,
            MeasureKind.THREATEN: 3,
            MeasureKind.DENY: 4,
            MeasureKind.EXPEL: 4,
            MeasureKind.CAP: 5,
            MeasureKind.CLOSE: 6,
            MeasureKind.SUSPEND: 7,
            # Assumptions (no source ranks them): a restriction of access is an administrative
            # sanction like a denial (CAMEO 172); a suspension of cooperation outside any
            # presence sits with the closure of an office (CAMEO 161, reduce relations).
            MeasureKind.RESTRICT: 4,
            MeasureKind.REDUCE: 6,
        }
    )
    large_expulsion: int = 10
    expulsion_code: str = "174"
    codes: Mapping[MeasureKind, str] = field(
        default_factory=lambda: {
            MeasureKind.RECALL: "010",
            MeasureKind.RESTORE: "081",
            MeasureKind.REACCREDIT: "081",
            MeasureKind.CRITICIZE: "111",
            MeasureKind.ACCUSE: "1125",
            MeasureKind.THREATEN: "1313",
            MeasureKind.DENY: "172",
            MeasureKind.CAP: "172",
            MeasureKind.CLOSE: "161",
            MeasureKind.SUSPEND: "164",
            MeasureKind.RESTRICT: "172",
            MeasureKind.REDUCE: "161",
        }
    )
    goldstein_override: Mapping[MeasureKind, float] | None = None

    def __post_init__(self) -> None:
        if self.expulsion_code not in _EXPULSION_CODES:
            raise ValueError(
                f"expulsion_code must be one of {', '.join(_EXPULSION_CODES)}, "
                f"not {self.expulsion_code!r}"
            )
        missing = [k.value for k in _KINDS if k not in self.severities]
        if missing:
            raise ValueError(f"ladder gives no severity for: {', '.join(missing)}")
        top = len(self.levels) - 1
        bad = [k.value for k, s in self.severities.items() if not 0 <= s <= top - 1]
        if bad:
            raise ValueError(
                f"severities must lie between 0 and {top - 1} (one below the top level, so "
                f"that a large expulsion or cap cut can count one higher): {', '.join(bad)}"
            )
        if self.large_expulsion < 1:
            raise ValueError("large_expulsion must be at least 1")
        uncoded = [k.value for k in _KINDS if k is not MeasureKind.EXPEL and k not in self.codes]
        if uncoded:
            raise ValueError(f"ladder gives no CAMEO code for: {', '.join(uncoded)}")
        override = self.goldstein_override or {}
        unweighted = [
            f"{k.value} ({self.cameo(k)})"
            for k in _KINDS
            if k not in override and self.cameo(k) not in CAMEO_GOLDSTEIN
        ]
        if unweighted:
            raise ValueError(
                f"no Goldstein weight known for the CAMEO code of {', '.join(unweighted)}; "
                "give one in goldstein_override"
            )

    @property
    def top(self) -> int:
        """The highest level of the ladder."""
        return len(self.levels) - 1

    def severity(self, kind: MeasureKind, magnitude: int = 1) -> int:
        """Return the severity level of a measure of ``kind`` with ``magnitude``."""
        level = self.severities[kind]
        if kind in (MeasureKind.EXPEL, MeasureKind.CAP) and magnitude > self.large_expulsion:
            level += 1
        return level

    def cameo(self, kind: MeasureKind) -> str:
        """Return the CAMEO event code recorded for ``kind``."""
        if kind is MeasureKind.EXPEL:
            return self.expulsion_code
        return self.codes[kind]

    def goldstein(self, kind: MeasureKind) -> float:
        """Return the Goldstein weight (-10 conflict ... +10 cooperation) for ``kind``."""
        if self.goldstein_override is not None and kind in self.goldstein_override:
            return self.goldstein_override[kind]
        return CAMEO_GOLDSTEIN[self.cameo(kind)]

    def label(self, level: int) -> str:
        """Return the name of severity ``level``."""
        return self.levels[level]

    @classmethod
    def goldstein_scale(cls, expulsion_code: str = "174") -> Ladder:
        """Return a ladder whose severities are the negated, rounded Goldstein weights.

        Useful for sensitivity analysis: the ordering differs from the default (a closure,
        CAMEO 161 at -4.0, ranks below an expulsion at -5.0).
        """
        base = cls(expulsion_code=expulsion_code)
        sev = {k: max(0, round(-base.goldstein(k))) for k in MeasureKind}
        levels = tuple(f"goldstein {-i}" for i in range(11))
        return cls(levels=levels, severities=sev, expulsion_code=expulsion_code)


#: The default ladder: levels 0 (routine) to 10, as described in the module docstring.
DEFAULT_LADDER = Ladder()
