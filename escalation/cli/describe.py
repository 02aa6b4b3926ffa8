"""What the commands print about runs, scenarios and histories: a few readable lines each."""

from __future__ import annotations

from pathlib import Path

from escalation.model.scenario import Scenario
from escalation.model.state import State
from escalation.sim.history import History, replay
from escalation.sim.run import Run


def one_line(text: str, width: int | None = None) -> str:
    """``text`` on one line, cut to ``width`` characters with ``...`` if longer."""
    line = " ".join(text.split())
    if width is not None and len(line) > width:
        line = line[: width - 3].rstrip() + "..."
    return line


def count(n: int, noun: str) -> str:
    """``"1 event"``, ``"3 events"``."""
    return f"{n} {noun}{'' if n == 1 else 's'}"


def describe_outcome(run: Run) -> str:
    """The outcome of ``run`` in a few readable lines."""
    o = run.outcome
    end = run.date_of(o.end_time)
    if o.ruptured and o.rupture_pair is not None:
        first = f"rupture between {' and '.join(o.rupture_pair)} on {o.rupture_date}"
        first += f" (day {o.time_to_rupture:.1f})"
    else:
        first = "no rupture"
    quiet = run.scenario.stop.quiet_days
    reasons = {
        "quiet": f"quiet for {quiet:g} days" if quiet is not None else "quiet",
        "rupture": "stop at rupture",
        "horizon": f"horizon of {run.scenario.horizon_days:g} days reached",
    }
    why = reasons.get(o.stop_reason, o.stop_reason)
    peak = f"{o.peak_severity} ({run.ladder.label(o.peak_severity)})"
    return "\n".join(
        [
            f"outcome: {first}; ended on {end} (day {o.end_time:.1f}): {why}",
            f"rounds {o.rounds}, peak severity {peak}, last mover {o.last_mover or '-'}, "
            f"{o.acts} measures announced",
        ]
    )


def presence_table(state: State) -> str:
    """Every presence of ``state``: owner, host, staff, cap and status."""
    head = f"  {'presence':<20} {'owner':<10} {'host':<10} {'staff':>5} {'cap':>5}  status"
    lines = [head]
    for p in state.presences.values():
        cap = "-" if p.cap is None else str(p.cap)
        lines.append(
            f"  {p.id:<20} {p.owner:<10} {p.host:<10} {p.staff:>5} {cap:>5}  {p.status.value}"
        )
    return "\n".join(lines)


def describe_scenario(scenario: Scenario, where: str | Path) -> str:
    """One line on a scenario: what it holds and its description."""
    text = (
        f"scenario {scenario.name} ({where}): {count(len(scenario.actors), 'actor')}, "
        f"{count(len(scenario.presences), 'presence')}, "
        f"{count(len(scenario.triggers), 'trigger')}, "
        f"from {scenario.start} for {scenario.horizon_days:g} days"
    )
    desc = one_line(scenario.description, 80)
    return f"{text} - {desc}" if desc else text


def describe_history(history: History, where: str | Path) -> str:
    """One line on a history; a history with presences is replayed to check every event."""
    first = history.events[0].calendar(history.start)
    text = (
        f"history {history.name} ({where}): {count(len(history.events), 'event')} "
        f"from {first} to {history.end}"
    )
    if history.presences:
        replay(history)  # raises HistoryError with the date and source of an impossible event
        text += f", {count(len(history.presences), 'presence')}, replays cleanly"
    else:
        text += ", no presences (replay it with --scenario)"
    title = one_line(history.title, 80)
    return f"{text} - {title}" if title else text
