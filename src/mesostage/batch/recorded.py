"""Recorded-stage checks: the directly assigned AJCC T, N, M and stage group of a registry record (NAACCR items
1001-1004 clinical, 1011-1014 pathological, and 1060 TNM Edition Number) against the stage derived from its EOD
codes or findings, in the same edition.

Each disagreement is a review code (``data/recorded_stage.toml``):

* ``edition_not_valid_for_year``: the recorded edition is not the one for the diagnosis year (the extent is then
  not compared: the two stages would be in different editions);
* ``tnm_inconsistent_with_group``: the recorded T, N and M give another group (or a range without it) than the
  recorded group, in the recorded edition;
* ``recorded_stage_not_supported``: a recorded T, N, M or group lies outside what the extent allows;
* ``recorded_value_not_valid``: a recorded value is not a category or group of the edition (that item is then not
  compared).

The set compared with the extent is the one of the extent's basis (EOD V9 clinical-only codes: the clinical set;
pathological-only codes and findings with basis pathological: the pathological set); where the extent has no basis
(EOD 2018, EOD V9 codes for either basis) both sets are compared.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import replace
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict

from mesostage import load_system
from mesostage.batch.grid import category_labels, every_category, reach

if TYPE_CHECKING:
    from mesostage.batch.rows import RowOutcome

__all__ = [
    "DISCREPANCY_KINDS",
    "RECORDED_COLUMNS",
    "RecordedTable",
    "recorded_check",
    "recorded_table",
    "recorded_values",
    "with_recorded_checks",
]

_FROZEN = ConfigDict(extra="forbid", frozen=True)


class _Source(BaseModel):
    model_config = _FROZEN
    citation: str
    kind: str


class _Set(BaseModel):
    model_config = _FROZEN
    prefix: str
    t: str
    n: str
    m: str
    group: str
    numbers: tuple[int, int, int, int]


class _EditionItem(BaseModel):
    model_config = _FROZEN
    id: str
    number: int
    no_edition: tuple[str, ...]


class _Edition(BaseModel):
    model_config = _FROZEN
    system: str
    years: tuple[int, int]
    source: str


class _NotAsserted(BaseModel):
    model_config = _FROZEN
    values: tuple[str, ...]
    source: str


class _Discrepancy(BaseModel):
    model_config = _FROZEN
    message: str
    source: str


class RecordedTable(BaseModel):
    """The recorded-stage items, the editions and their years, and the discrepancy kinds (in report order)."""

    model_config = _FROZEN
    sources: dict[str, _Source]
    sets: dict[str, _Set]
    edition_item: _EditionItem
    editions: dict[str, _Edition]
    not_asserted: _NotAsserted
    discrepancies: dict[str, _Discrepancy]

    def edition_for_year(self, year: int) -> str | None:
        return next((code for code, e in self.editions.items() if e.years[0] <= year <= e.years[1]), None)


@cache
def recorded_table() -> RecordedTable:
    data = resources.files("mesostage.batch").joinpath("data", "recorded_stage.toml").read_bytes()
    return RecordedTable.model_validate(tomllib.loads(data.decode("utf-8")))


def _columns() -> tuple[str, ...]:
    table = recorded_table()
    items = [table.edition_item.id]
    for s in table.sets.values():
        items += [s.t, s.n, s.m, s.group]
    return tuple(items)


#: The recorded-stage columns (NAACCR XML ids), the edition item first.
RECORDED_COLUMNS: tuple[str, ...] = _columns()
#: The discrepancy codes, in the order they are reported.
DISCREPANCY_KINDS: tuple[str, ...] = tuple(recorded_table().discrepancies)

_PREFIXED = re.compile(r"^(c|p|yc|yp|rc|rp|a)?([TNM].*)$")
_ARABIC = re.compile(r"^([0-4])([A-C]?)$")
_ROMAN = {"0": "0", "1": "I", "2": "II", "3": "III", "4": "IV"}


def recorded_values(record: Mapping[str, object]) -> dict[str, str | None]:
    """The recorded-stage items of a record as stripped text (an integer edition is zero-padded to 2)."""
    out: dict[str, str | None] = {}
    for column in RECORDED_COLUMNS:
        value = record.get(column)
        if value is None or (isinstance(value, float) and value != value):
            out[column] = None
        elif isinstance(value, int) and not isinstance(value, bool):
            out[column] = str(value).zfill(2) if column == recorded_table().edition_item.id else str(value)
        else:
            text = str(value).strip()
            out[column] = text or None
    return out


def _group(value: str) -> str:
    """A stage group as the system files write it: NAACCR's Arabic form (``3A``) or Roman (``IIIA``)."""
    text = value.upper()
    match = _ARABIC.match(text)
    return _ROMAN[match.group(1)] + match.group(2) if match else text


def _category(value: str) -> str:
    match = _PREFIXED.match(value)
    return match.group(2) if match else value


def recorded_check(
    values: Mapping[str, str | None],
    year: int | None,
    derived: RowOutcome,
) -> tuple[str | None, str | None]:
    """The discrepancy codes (``;``-separated, in report order) and their details (each naming its item) of one
    record's recorded stage against the stage derived from its extent; (None, None) when nothing disagrees."""
    if derived.error_kind is not None or all(values.get(c) is None for c in RECORDED_COLUMNS):
        return None, None  # rows not staged are not checked: their errors come first
    table = recorded_table()
    found: list[tuple[str, str]] = []
    item = table.edition_item.id
    edition = values.get(item)
    year_edition = table.edition_for_year(year) if year is not None else None
    if edition in table.editions:
        system_id = table.editions[edition].system
        if year_edition is not None and edition != year_edition:
            found.append(
                (
                    "edition_not_valid_for_year",
                    f"{item}: '{edition}' ({load_system(system_id).short_name}) is not the edition for a diagnosis "
                    f"in {year}: {year_edition}",
                )
            )
    else:
        if edition is not None and edition not in table.edition_item.no_edition:
            found.append(
                (
                    "recorded_value_not_valid",
                    f"{item}: '{edition}' is not an edition code ({', '.join(table.editions)}, "
                    f"{', '.join(table.edition_item.no_edition)})",
                )
            )
        chosen = year_edition or next((c for c, e in table.editions.items() if e.system == derived.system), None)
        system_id = table.editions[chosen].system if chosen else (derived.system or "")
    if system_id:
        for name, items in table.sets.items():
            found += _check_set(name, items, values, system_id, derived)
    if not found:
        return None, None
    kinds = sorted({k for k, _ in found}, key=DISCREPANCY_KINDS.index)
    return ";".join(kinds), "; ".join(d for _, d in found)


def _check_set(
    name: str, items: _Set, values: Mapping[str, str | None], system_id: str, derived: RowOutcome
) -> list[tuple[str, str]]:
    system = load_system(system_id)
    blank = recorded_table().not_asserted.values
    found: list[tuple[str, str]] = []
    cats: dict[str, str] = {}  # component -> recorded category (valid and asserted)
    for comp, column in (("T", items.t), ("N", items.n), ("M", items.m)):
        value = values.get(column)
        if value is None or value in blank:
            continue
        root = _category(value)
        if root not in category_labels(system_id, comp):
            found.append(
                (
                    "recorded_value_not_valid",
                    f"{column}: '{value}' is not a {comp} category of {system.short_name}",
                )
            )
            continue
        cats[comp] = root
    group: str | None = None
    raw_group = values.get(items.group)
    if raw_group is not None and raw_group not in blank:
        group = _group(raw_group)
        if group not in system.stages:
            found.append(
                (
                    "recorded_value_not_valid",
                    f"{items.group}: '{raw_group}' is not a stage group of {system.short_name} "
                    f"({', '.join(system.stages)}; 88, 99)",
                )
            )
            group = None
    if group is not None:
        # an item not recorded (or TX, NX) stands for every category of its component
        options = [[cats[c]] if c in cats else list(system.component(c).categories) for c in "TNM"]
        reached = set(reach(system_id, options))
        if group not in reached:
            given = " ".join(cats.get(c, f"{c} not recorded") for c in "TNM")
            gives = "/".join(sorted((g for g in reached if g), key=system.stages.index)) or "no group"
            found.append(
                (
                    "tnm_inconsistent_with_group",
                    f"{items.group}: '{raw_group}' where the recorded {given} give {gives} ({system.short_name})",
                )
            )
    if derived.system != system_id:
        return found
    if derived.prefix is not None and derived.prefix != items.prefix:
        return found  # the extent is of the other basis (EOD V9 clinical-only or pathological-only codes)
    for comp, column in (("T", items.t), ("N", items.n), ("M", items.m)):
        recorded, extent = cats.get(comp), getattr(derived, comp.lower())
        if recorded is None or extent is None or recorded == system.component(comp).not_assessed:
            continue
        allowed = {c for label in extent.split("/") for c in every_category(system_id, comp, label)}
        allowed |= set(extent.split("/"))
        if recorded not in allowed:
            found.append(
                (
                    "recorded_stage_not_supported",
                    f"{column}: '{values.get(column)}' where the extent gives {extent}",
                )
            )
    low, high = derived.stage_range_low, derived.stage_range_high
    if group is not None and (derived.stage or low) and not _within(system.stages, group, derived.stage, low, high):
        extent = derived.stage or f"{low}-{high}"
        found.append(
            (
                "recorded_stage_not_supported",
                f"{items.group}: '{raw_group}' where the extent gives {extent} ({system.short_name})",
            )
        )
    return found


def _within(
    order: tuple[str, ...] | list[str], group: str, stage: str | None, low: str | None, high: str | None
) -> bool:
    """Whether a group is the stage, or (stage undetermined) lies in the range; True where nothing is known."""
    if stage is not None:
        return group == stage
    if low is None or high is None:
        return True
    return order.index(low) <= order.index(group) <= order.index(high)


def with_recorded_checks(outcome: RowOutcome, record: Mapping[str, object], year: int | None) -> RowOutcome:
    """The outcome with the discrepancies of the record's recorded stage (unchanged when it records none)."""
    codes, detail = recorded_check(recorded_values(record), year, outcome)
    if codes is None:
        return outcome
    return replace(outcome, discrepancies=codes, discrepancy_detail=detail)
