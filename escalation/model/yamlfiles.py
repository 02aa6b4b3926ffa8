"""Reading YAML files: kept as an alias of :mod:`escalation.model.files`, where it now lives."""

from __future__ import annotations

from escalation.model.files import _bad_date, field_path, read_yaml, validation_error

__all__ = ["_bad_date", "field_path", "read_yaml", "validation_error"]
