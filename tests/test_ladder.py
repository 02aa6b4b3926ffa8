"""The severity ladder: default levels, large expulsions, CAMEO codes and Goldstein weights.

Reference values come from ``background.md`` (section 1.2, read from the GDELT lookup files
``CAMEO.eventcodes.txt`` and ``CAMEO.goldsteinscale.txt``; section 8 for the default ladder).
"""

from __future__ import annotations

import pytest

from escalation.model.ladder import CAMEO_GOLDSTEIN, DEFAULT_LADDER, DEFAULT_LEVELS, Ladder
from escalation.model.measure import MeasureKind as K

# background.md section 8, point 2: L1 criticize/accuse, L3 threat to reduce relations,
# L4 expel, L5 large expulsion / mission cap, L6 close office or liaison mission,
# L7 halt negotiations / suspend mission. De-escalation and routine acts are L0.
EXPECTED_SEVERITY = {
    K.RECALL: 0,
    K.RESTORE: 0,
    K.REACCREDIT: 0,
    K.CRITICIZE: 1,
    K.ACCUSE: 1,
    K.THREATEN: 3,
    K.DENY: 4,
    K.EXPEL: 4,
    K.CAP: 5,
    K.CLOSE: 6,
    K.SUSPEND: 7,
    K.RESTRICT: 4,
    K.REDUCE: 6,
}


def test_default_levels_follow_the_design_notes():
    assert len(DEFAULT_LEVELS) == 11
    assert DEFAULT_LADDER.top == 10
    assert DEFAULT_LADDER.label(0) == "routine"
    assert DEFAULT_LADDER.label(10) == "break diplomatic relations"


@pytest.mark.parametrize(("kind", "level"), sorted(EXPECTED_SEVERITY.items()))
def test_default_severities(kind, level):
    assert DEFAULT_LADDER.severity(kind, 1) == level


def test_severities_are_ordered_like_the_ladder():
    sev = DEFAULT_LADDER.severity
    assert sev(K.CRITICIZE) < sev(K.THREATEN) < sev(K.EXPEL) < sev(K.CAP)
    assert sev(K.CAP) < sev(K.CLOSE) < sev(K.SUSPEND)


def test_large_expulsion_and_large_cap_cut_count_one_level_higher():
    lad = DEFAULT_LADDER
    assert lad.large_expulsion == 10
    assert lad.severity(K.EXPEL, 10) == 4
    assert lad.severity(K.EXPEL, 11) == 5
    assert lad.severity(K.CAP, 10) == 5
    assert lad.severity(K.CAP, 11) == 6
    assert lad.severity(K.DENY, 50) == 4  # only expulsions and cap cuts grow with size
    small = Ladder(large_expulsion=3)
    assert (small.severity(K.EXPEL, 3), small.severity(K.EXPEL, 4)) == (4, 5)


@pytest.mark.parametrize(("code", "weight"), [("174", -5.0), ("166", -7.0), ("161", -4.0)])
def test_expulsion_code_is_a_choice_with_its_own_weight(code, weight):
    lad = Ladder(expulsion_code=code)
    assert lad.cameo(K.EXPEL) == code
    assert lad.goldstein(K.EXPEL) == weight
    assert lad.severity(K.EXPEL, 1) == 4  # the ordinal severity does not depend on the code


def test_default_expulsion_code_is_expel_or_deport_individuals():
    assert DEFAULT_LADDER.cameo(K.EXPEL) == "174"
    assert DEFAULT_LADDER.goldstein(K.EXPEL) == -5.0


@pytest.mark.parametrize("code", ["163", "172", "16", "", "1740"])
def test_other_expulsion_codes_are_rejected(code):
    with pytest.raises(ValueError, match="expulsion_code"):
        Ladder(expulsion_code=code)


def test_known_mislabels_are_not_made():
    # 163 is 'impose embargo, boycott, or sanctions' (-8.0), not administrative sanctions:
    # those are 172 (-5.0), the code used for denying accreditation and capping a mission.
    for kind in (K.DENY, K.CAP):
        assert DEFAULT_LADDER.cameo(kind) == "172"
        assert DEFAULT_LADDER.goldstein(kind) == -5.0
    assert "163" not in {DEFAULT_LADDER.cameo(k) for k in K}
    assert CAMEO_GOLDSTEIN.get("163", -8.0) == -8.0
    # 174 is 'expel or deport individuals' at -5.0, not a sanctions code.
    assert CAMEO_GOLDSTEIN["174"] == -5.0
    assert CAMEO_GOLDSTEIN["172"] == -5.0


@pytest.mark.parametrize(
    ("kind", "code", "weight"),
    [
        (K.CRITICIZE, "111", -2.0),
        (K.ACCUSE, "1125", -2.0),
        (K.THREATEN, "1313", -5.8),
        (K.CLOSE, "161", -4.0),
        (K.SUSPEND, "164", -7.0),
        (K.RESTORE, "081", 5.0),
        (K.REACCREDIT, "081", 5.0),
        (K.RECALL, "010", 0.0),
    ],
)
def test_cameo_codes_and_goldstein_weights(kind, code, weight):
    assert DEFAULT_LADDER.cameo(kind) == code
    assert DEFAULT_LADDER.goldstein(kind) == weight


def test_goldstein_override_replaces_a_weight():
    lad = Ladder(goldstein_override={K.CLOSE: -9.0})
    assert lad.goldstein(K.CLOSE) == -9.0
    assert lad.goldstein(K.SUSPEND) == -7.0


def test_goldstein_scale_is_not_monotone_like_the_default():
    g = Ladder.goldstein_scale()
    # Under Goldstein weights a closure (161, -4.0) ranks below an expulsion (174, -5.0) ...
    assert g.severity(K.CLOSE) < g.severity(K.EXPEL)
    # ... while the default ladder puts it above.
    assert DEFAULT_LADDER.severity(K.CLOSE) > DEFAULT_LADDER.severity(K.EXPEL)
    for kind in K:
        assert g.severity(kind) == max(0, round(-DEFAULT_LADDER.goldstein(kind)))
    assert Ladder.goldstein_scale("166").severity(K.EXPEL) == 7


def test_goldstein_scale_keeps_codes():
    g = Ladder.goldstein_scale("161")
    assert g.cameo(K.EXPEL) == "161"
    assert g.goldstein(K.EXPEL) == -4.0


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"severities": {K.EXPEL: 4}}, "no severity"),
        ({"severities": {**EXPECTED_SEVERITY, K.SUSPEND: 10}}, "between 0 and 9"),
        ({"severities": {**EXPECTED_SEVERITY, K.CRITICIZE: -1}}, "between 0 and 9"),
        ({"levels": ("only", "two")}, "between 0 and 0"),
        ({"large_expulsion": 0}, "large_expulsion"),
        ({"codes": {}}, "code"),
        ({"codes": {**DEFAULT_LADDER.codes, K.CLOSE: "999"}}, "999"),
    ],
)
def test_invalid_ladders_are_rejected(kwargs, fragment):
    with pytest.raises(ValueError, match=fragment):
        Ladder(**kwargs)


def test_custom_codes_with_overridden_weights_are_accepted():
    lad = Ladder(
        codes={**DEFAULT_LADDER.codes, K.CLOSE: "999"}, goldstein_override={K.CLOSE: -6.0}
    )
    assert (lad.cameo(K.CLOSE), lad.goldstein(K.CLOSE)) == ("999", -6.0)


def test_a_replacement_ladder_changes_severities():
    sev = {**EXPECTED_SEVERITY, K.THREATEN: 2}
    lad = Ladder(severities=sev)
    assert lad.severity(K.THREATEN) == 2
    assert DEFAULT_LADDER.severity(K.THREATEN) == 3
