"""The SQL connector's map (dsr/connectors/sql.py): which tables hold the subject, how each
is found, exported, erased, restricted and rectified, checked before anything touches the
controller's database. Pure Python: `parse_map` reads a source's `config["tables"]` and
returns the tables parents first, or raises a ConfigError naming the mistake."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from dsr.connectors.base import ConfigError

SUBJECT_FIELDS = ("subject_email", "subject_customer_number")
ERASE_ACTIONS = ("delete", "anonymise", "keep")
ANONYMISE_METHODS = ("null", "fixed", "hash", "coarsen_location", "coarsen_timestamp")
TIMESTAMP_UNITS = ("hour", "day", "month", "year")


@dataclass
class TableSpec:
    table: str
    label: str
    key: str = "id"
    match: dict[str, str] = field(default_factory=dict)
    parent: str = ""
    foreign_key: str = ""
    parent_key: str = ""
    export: list[str] = field(default_factory=list)
    portable: bool = True
    erase: dict[str, Any] = field(default_factory=lambda: {"action": "delete"})
    restrict: dict[str, Any] | None = None
    rectify: list[str] = field(default_factory=list)
    depth: int = 0

    @property
    def erase_action(self) -> str:
        return self.erase.get("action", "delete")


def _strings(value: Any, where: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ConfigError(f"{where} must be a list of column names")
    return value


def parse_map(config: dict[str, Any]) -> list[TableSpec]:
    """The map's tables in dependency order (parents first), or a ConfigError saying why not."""
    raw_tables = config.get("tables")
    if not isinstance(raw_tables, list) or not raw_tables:
        raise ConfigError("the map needs a list of tables ('tables')")
    specs: dict[str, TableSpec] = {}
    for position, raw in enumerate(raw_tables, 1):
        if not isinstance(raw, dict) or not isinstance(raw.get("table"), str) or not raw["table"]:
            raise ConfigError(f"table #{position} of the map has no 'table' name")
        name = raw["table"]
        if name in specs:
            raise ConfigError(f"table '{name}' appears twice in the map")
        unknown = set(raw) - {
            "table", "label", "key", "match", "parent", "foreign_key", "parent_key", "export",
            "portable", "erase", "restrict", "rectify",
        }  # fmt: skip
        if unknown:
            raise ConfigError(f"table '{name}': unknown setting(s) {', '.join(sorted(unknown))}")
        match = raw.get("match") or {}
        if not isinstance(match, dict):
            raise ConfigError(f"table '{name}': 'match' must map columns to request fields")
        for column, subject_field in match.items():
            if subject_field not in SUBJECT_FIELDS:
                raise ConfigError(
                    f"table '{name}': column '{column}' matches '{subject_field}'; use one of "
                    f"{', '.join(SUBJECT_FIELDS)}"
                )
        parent = raw.get("parent") or ""
        if bool(match) == bool(parent):
            raise ConfigError(
                f"table '{name}' needs either 'match' (found by the subject's e-mail or "
                "customer number) or 'parent' with 'foreign_key' (found through another table)"
            )
        if parent and not raw.get("foreign_key"):
            raise ConfigError(f"table '{name}': 'parent' needs a 'foreign_key' column")
        erase = raw.get("erase") or {"action": "delete"}
        _check_erase(name, erase)
        restrict = raw.get("restrict")
        if restrict is not None and (
            not isinstance(restrict, dict) or not isinstance(restrict.get("column"), str)
        ):
            raise ConfigError(f"table '{name}': 'restrict' needs a 'column' (and a 'value')")
        specs[name] = TableSpec(
            table=name,
            label=str(raw.get("label") or name),
            key=str(raw.get("key") or "id"),
            match=dict(match),
            parent=parent,
            foreign_key=str(raw.get("foreign_key") or ""),
            parent_key=str(raw.get("parent_key") or ""),
            export=_strings(raw.get("export"), f"table '{name}': 'export'"),
            portable=bool(raw.get("portable", True)),
            erase=erase,
            restrict=restrict,
            rectify=_strings(raw.get("rectify"), f"table '{name}': 'rectify'"),
        )
    for spec in specs.values():
        seen = {spec.table}
        current = spec
        while current.parent:
            if current.parent not in specs:
                raise ConfigError(
                    f"table '{current.table}': its parent '{current.parent}' is not in the map"
                )
            current = specs[current.parent]
            if current.table in seen:
                raise ConfigError(f"table '{spec.table}': its parents form a loop")
            seen.add(current.table)
            spec.depth += 1
    for spec in specs.values():
        if spec.erase_action == "delete":
            for child in specs.values():
                if _descends_from(child, spec, specs) and child.erase_action == "keep":
                    raise ConfigError(
                        f"table '{spec.table}' cannot be deleted while '{child.table}' is kept "
                        "and refers to it; anonymise it instead"
                    )
    return sorted(specs.values(), key=lambda s: s.depth)


def _descends_from(child: TableSpec, ancestor: TableSpec, specs: dict[str, TableSpec]) -> bool:
    current = child
    while current.parent:
        if current.parent == ancestor.table:
            return True
        current = specs[current.parent]
    return False


def _check_erase(name: str, erase: Any) -> None:
    if not isinstance(erase, dict) or erase.get("action") not in ERASE_ACTIONS:
        raise ConfigError(
            f"table '{name}': 'erase' action must be one of {', '.join(ERASE_ACTIONS)}"
        )
    ground = str(erase.get("legal_ground", "")).strip()
    retention = str(erase.get("retention", "")).strip()
    if erase["action"] == "keep" and not (ground and retention):
        raise ConfigError(
            f"table '{name}': keeping rows needs a 'legal_ground' and a 'retention' period"
        )
    if erase["action"] == "anonymise":
        columns = erase.get("columns")
        if not isinstance(columns, dict) or not columns:
            raise ConfigError(f"table '{name}': anonymise needs 'columns' and a method for each")
        for column, rule in columns.items():
            method = rule.get("method") if isinstance(rule, dict) else None
            if method not in ANONYMISE_METHODS:
                raise ConfigError(
                    f"table '{name}': column '{column}' needs a method, one of "
                    f"{', '.join(ANONYMISE_METHODS)}"
                )
            if method == "fixed" and "value" not in rule:
                raise ConfigError(f"table '{name}': column '{column}': 'fixed' needs a 'value'")
            if method == "coarsen_timestamp" and rule.get("to", "day") not in TIMESTAMP_UNITS:
                raise ConfigError(
                    f"table '{name}': column '{column}': coarsen to one of "
                    f"{', '.join(TIMESTAMP_UNITS)}"
                )


def describe_rule(column: str, rule: dict[str, Any]) -> str:
    method = rule["method"]
    if method == "null":
        return f"{column}: emptied"
    if method == "fixed":
        return f"{column}: replaced by a fixed value"
    if method == "hash":
        return f"{column}: replaced by a keyed hash"
    if method == "coarsen_location":
        return f"{column}: location coarsened"
    return f"{column}: time coarsened to the {rule.get('to', 'day')}"
