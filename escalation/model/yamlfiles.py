"""Reading data files: YAML with the safe loader, and pydantic errors as one clear message."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from escalation.base.errors import InputError, ScenarioError


def read_yaml(path: Path, error: type[InputError] = ScenarioError) -> Any:
    """Read a YAML file with the safe loader, turning every failure into ``error``."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise error("file not found", source=path) from None
    except OSError as exc:
        raise error(f"cannot read the file ({exc.strerror})", source=path) from None
    except UnicodeDecodeError:
        raise error("not a UTF-8 text file", source=path) from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise error(f"not valid YAML{where}: {problem}", source=path) from None
    except ValueError as exc:  # an unquoted date that does not exist, e.g. 2021-13-05
        field, line = _bad_date(yaml.compose(text, Loader=yaml.SafeLoader))
        if field is None:  # e.g. an explicit "!!int abc"
            raise error(f"not valid YAML: {exc}", source=path) from None
        raise error(f"not a valid date at line {line}: {exc}", source=path, field=field) from None


def _bad_date(node: Any, path: str = "") -> tuple[str | None, int]:
    """Return the field and line of the first timestamp scalar the safe loader rejects."""
    if isinstance(node, yaml.MappingNode | yaml.SequenceNode):
        pairs = node.value if isinstance(node, yaml.MappingNode) else enumerate(node.value)
        for key, value in pairs:
            name = getattr(key, "value", key)
            found = _bad_date(value, f"{path}.{name}" if path else str(name))
            if found[0] is not None:
                return found
    elif isinstance(node, yaml.ScalarNode) and node.tag.endswith(":timestamp"):
        try:
            yaml.safe_load(node.value)
        except ValueError:
            return path, node.start_mark.line + 1
    return None, 0


def field_path(loc: tuple[int | str, ...]) -> str | None:
    """``("actors", 0, "policy")`` as ``actors[0].policy``, as model-level checks write it."""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else f".{part}" if text else str(part)
    return text or None


def validation_error(
    exc: ValidationError, source: str | Path, error: type[InputError] = ScenarioError
) -> InputError:
    """Turn a pydantic error into one clear message naming the field and the problem."""
    first = exc.errors()[0]
    field = field_path(first["loc"])
    msg = first["msg"].removeprefix("Value error, ")
    head, _, rest = msg.partition(": ")
    if field is None and rest and all(c.isalnum() or c in "_.[]" for c in head):
        # model-level checks name their field first, as in "triggers[0].actor: ..."
        field, msg = head, rest
    more = exc.error_count() - 1
    if more:
        msg += f" (and {more} more problem{'s' if more > 1 else ''})"
    return error(msg, source=source, field=field)
