"""The guided form: its fields, and the conversion between submitted form fields and a case (both ways).

A finding is answered Yes, No or Not known (``yes`` / ``no`` / ``unknown``); a field that was not submitted takes
its default (No for a finding, "assessed" for a section, blank for everything else), which is how a browser
leaves out the disabled fields of a hidden site. Fields of another site are only an error when they say
something: then the case model names the section that does not fit the site. Nothing is dropped silently:
an unknown field name, a number that is not a number or a half-filled PCI grid is an input error whose path is
the case path it would have filled.
"""

from __future__ import annotations

import datetime as dt
import re
import types
import typing
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import annotated_types
from pydantic import BaseModel

from mesostage import Case, CaseError, InputError, default_system, load_systems
from mesostage.case import BASES, HISTOLOGIES, PCI_REGION_NAMES, SITES, TUMOR_TYPES, Patient
from mesostage.labels import humanize, label
from mesostage.limits import parse_json
from mesostage.web.labels import VOCABULARY, labels

__all__ = [
    "FINDING_CHOICES",
    "SECTION_STATUS",
    "VIEWS",
    "FormData",
    "PatientField",
    "case_from_form",
    "field_id_for_path",
    "form_from_case",
    "patient_fields",
    "plain_error",
    "read_form",
    "reported_stage_choices",
    "reported_stage_values",
]

FormData = Mapping[str, Sequence[str]]
VIEWS = ("patient", "clinician")
FINDING_CHOICES = (("yes", "Yes"), ("no", "No"), ("unknown", "Not known"))
BOOL_CHOICES = (("yes", "Yes"), ("no", "No"), ("unknown", "Not known"))
SECTION_STATUS: dict[str, tuple[tuple[str, str], ...]] = {
    "tumor": (
        ("assessed", "Yes, the report describes it"),
        ("not_assessed", "No, or I do not know"),
        ("no_evidence", "No sign of a main tumour (T0)"),
    ),
    "nodes": (("assessed", "Yes, the report describes them"), ("not_assessed", "No, or I do not know")),
    "metastases": (("assessed", "Yes, scans looked for spread"), ("not_assessed", "No, or I do not know")),
}
_PLEURAL_ONLY = ("tumor", "nodes")
_MEASUREMENTS = ("psum_mm", "fmax_mm")
_PERITONEAL_BOOLS = ("nodes_positive", "extra_abdominal_metastases")


@dataclass(frozen=True)
class PatientField:
    """One input of the optional patient block, derived from the case model's ``Patient`` field."""

    name: str
    kind: Literal["int", "float", "bool", "choice", "multi", "text", "date"]
    label: str
    hint: str | None
    unit: str | None
    choices: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    max_length: int | None = None

    @property
    def key(self) -> str:
        return f"patient.{self.name}"


def _humanize(name: str) -> str:
    return name.replace("_", " ").capitalize()


def _literal_values(tp: Any) -> tuple[str, ...] | None:
    if typing.get_origin(tp) is Literal:
        return tuple(str(a) for a in typing.get_args(tp))
    return None


def _patient_field(name: str, model: type[BaseModel] = Patient, prefix: str = "") -> PatientField:
    info = model.model_fields[name]
    name = prefix + name
    tp = info.annotation
    args = typing.get_args(tp)
    if typing.get_origin(tp) in (typing.Union, types.UnionType) and type(None) in args:
        (tp,) = [a for a in args if a is not type(None)]
    text = labels().patient.get(name)
    label = text.label if text else _humanize(info.description or name)
    unit = text.unit if text else None
    hint = info.description if text else None
    bounds: dict[str, float] = {}
    max_length = None
    for m in info.metadata:
        if isinstance(m, annotated_types.Ge | annotated_types.Gt):
            bounds["min"] = float(m.ge if isinstance(m, annotated_types.Ge) else m.gt)  # type: ignore[arg-type]
        elif isinstance(m, annotated_types.Le | annotated_types.Lt):
            bounds["max"] = float(m.le if isinstance(m, annotated_types.Le) else m.lt)  # type: ignore[arg-type]
        elif isinstance(m, annotated_types.MaxLen):
            max_length = m.max_length
    common: dict[str, Any] = {"name": name, "label": label, "hint": hint, "unit": unit}
    if tp is bool:
        return PatientField(kind="bool", **common)
    if tp is int or tp is float:
        kind: Literal["int", "float"] = "int" if tp is int else "float"
        return PatientField(kind=kind, minimum=bounds.get("min"), maximum=bounds.get("max"), **common)
    if tp is str:
        return PatientField(kind="text", max_length=max_length, **common)
    if tp is dt.date:
        return PatientField(kind="date", **common)
    if (values := _literal_values(tp)) is not None:
        return PatientField(kind="choice", choices=values, **common)
    if typing.get_origin(tp) is list and (values := _literal_values(typing.get_args(tp)[0])) is not None:
        return PatientField(kind="multi", choices=values, **common)
    raise TypeError(f"patient.{name}: the form has no input for type {tp!r}")


def _nested_model(name: str) -> type[BaseModel] | None:
    """The model of a patient field that is an object of its own (``biomarkers``), else None."""
    tp = Patient.model_fields[name].annotation
    for a in (tp, *typing.get_args(tp)):
        if isinstance(a, type) and issubclass(a, BaseModel):
            return a
    return None


def patient_fields() -> tuple[PatientField, ...]:
    """Every field of the case model's patient block, as form inputs, in the model's order; an object field
    (``biomarkers``) gives one input per field of its own, named ``biomarkers.mesothelin`` and so on."""
    out: list[PatientField] = []
    for name in Patient.model_fields:
        nested = _nested_model(name)
        if nested is None:
            out.append(_patient_field(name))
        else:
            out.extend(_patient_field(sub, nested, f"{name}.") for sub in nested.model_fields)
    return tuple(out)


def patient_value(patient: Mapping[str, Any] | BaseModel | None, name: str) -> Any:
    """The value of a (possibly dotted) patient field name in a patient mapping or model; None when absent."""
    value: Any = patient
    for part in name.split("."):
        if value is None:
            return None
        value = value.get(part) if isinstance(value, Mapping) else getattr(value, part, None)
    return value


def _put(out: dict[str, Any], name: str, value: Any) -> None:
    *parents, last = name.split(".")
    for part in parents:
        out = out.setdefault(part, {})
    out[last] = value


def reported_stage_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """(system name, [(value, stage)]) for the "stage you were given" select; values look like ``tnm8:IV``."""
    return [(s.name, [(f"{s.id}:{st}", st) for st in s.stages]) for s in load_systems()]


def _known_fields() -> frozenset[str]:
    names = {
        "site",
        "id",
        "diagnosis_date",
        "histology",
        "tumor_type",
        "basis",
        "laterality",
        "pleural_effusion_malignant",
        "resection.performed",
        "resection.margins_positive",
        "reported_stage",
        "reported_stage.system",
        "peritoneal.pci",
        "view",
        "case_json",
        "confirm",
    }
    for section, vocab in VOCABULARY.items():
        names.add(f"{section}.status")
        names.update(f"{section}.{f}" for f in vocab)
    names.update(f"tumor.{m}" for m in _MEASUREMENTS)
    names.update(f"peritoneal.region.{i}" for i in range(len(PCI_REGION_NAMES)))
    names.update(f"peritoneal.{b}" for b in _PERITONEAL_BOOLS)
    names.update(f.key for f in patient_fields())
    return frozenset(names)


class _Reader:
    """Reads single values from the submitted fields and collects every problem before failing."""

    def __init__(self, data: FormData) -> None:
        self.data = data
        self.errors: list[InputError] = []

    def one(self, key: str, default: str = "") -> str:
        values = self.data.get(key, ())
        if len(values) > 1:
            self.errors.append(InputError(key, "was given more than once"))
        return values[0].strip() if values else default

    def choice(self, key: str, path: str, allowed: Sequence[str], default: str) -> str:
        value = self.one(key, default)
        if value not in allowed:
            self.errors.append(InputError(path, f"{value!r} is not an allowed value", tuple(allowed)))
            return default
        return value

    def tristate(self, key: str, path: str) -> bool | None:
        value = self.choice(key, path, ("yes", "no", "unknown", ""), "unknown")
        return {"yes": True, "no": False}.get(value)

    def date(self, key: str, path: str) -> str | None:
        """The ISO date in field ``key`` (None when blank), or an error naming ``path``."""
        text = self.one(key)
        if not text:
            return None
        try:
            return dt.date.fromisoformat(text).isoformat()
        except ValueError:
            self.errors.append(InputError(path, f"{text!r} is not a date (YYYY-MM-DD)"))
            return None

    def number(self, key: str, path: str, *, integer: bool = False) -> float | int | None:
        text = self.one(key)
        if not text:
            return None
        try:
            return int(text) if integer else float(text)
        except ValueError:
            kind = "a whole number" if integer else "a number"
            self.errors.append(InputError(path, f"{text!r} is not {kind}"))
            return None


def _section(r: _Reader, site: str, section: str) -> dict[str, Any] | None:
    status = r.choice(f"{section}.status", section, [v for v, _ in SECTION_STATUS[section]], "assessed")
    findings: list[str] = []
    unknown: list[str] = []
    for name in VOCABULARY[section]:
        answer = r.choice(f"{section}.{name}", f"{section}.{name}", ("yes", "no", "unknown"), "no")
        if answer == "yes":
            findings.append(name)
        elif answer == "unknown":
            unknown.append(name)
    out: dict[str, Any] = {}
    if section == "tumor":
        for m in _MEASUREMENTS:
            value = r.number(f"tumor.{m}", f"tumor.{m}")
            if value is not None:
                out[m] = value
    fits_site = site == "pleura" or (section == "metastases" and site != "peritoneum")
    if not fits_site and status != "no_evidence" and not (findings or unknown or out):
        return None  # a section this site does not use, with nothing filled in
    if status == "not_assessed" and not (findings or unknown or out):
        return {"assessed": False}
    if status == "no_evidence":
        out["no_evidence"] = True
    if status == "not_assessed":
        out["assessed"] = False
    return {"findings": findings, "unknown": unknown, **out} if (findings or unknown or status == "assessed") else out


def _peritoneal(r: _Reader, site: str) -> dict[str, Any] | None:
    scores: list[int | None] = []
    for i in range(len(PCI_REGION_NAMES)):
        path = f"peritoneal.pci_regions[{i}]"
        text = r.choice(f"peritoneal.region.{i}", path, ("", "0", "1", "2", "3"), "")
        scores.append(int(text) if text else None)
    block: dict[str, Any] = {}
    given = [s for s in scores if s is not None]
    if given and len(given) < len(scores):
        r.errors.extend(
            InputError(
                f"peritoneal.pci_regions[{i}]",
                f"no score for region {i} ({PCI_REGION_NAMES[i]}): score every region (0 where there is no tumour), "
                "or leave all of them blank",
                ("0", "1", "2", "3"),
            )
            for i, s in enumerate(scores)
            if s is None
        )
    elif given:
        block["pci_regions"] = scores
    pci = r.number("peritoneal.pci", "peritoneal.pci", integer=True)
    if pci is not None:
        block["pci"] = pci
    for name in _PERITONEAL_BOOLS:
        value = r.tristate(f"peritoneal.{name}", f"peritoneal.{name}")
        if value is not None:
            block[name] = value
    if site == "peritoneum":
        return block
    return block or None


def _patient(r: _Reader) -> dict[str, Any] | None:
    out: dict[str, Any] = {}
    for f in patient_fields():
        path = f.key
        if f.kind == "multi":
            values = list(r.data.get(path, ()))
            bad = [v for v in values if v not in f.choices]
            for i, v in enumerate(values):
                if v in bad:
                    r.errors.append(InputError(f"{path}[{i}]", f"{v!r} is not an allowed value", f.choices))
            if values and not bad:
                _put(out, f.name, values)
        elif f.kind == "bool":
            value = r.tristate(path, path)
            if value is not None:
                _put(out, f.name, value)
        elif f.kind in ("int", "float"):
            number = r.number(path, path, integer=f.kind == "int")
            if number is not None:
                _put(out, f.name, number)
        elif f.kind == "choice":
            text = r.choice(path, path, ("", *f.choices), "")
            if text:
                _put(out, f.name, text)
        elif f.kind == "date":
            if (date := r.date(path, path)) is not None:
                _put(out, f.name, date)
        else:
            text = r.one(path)
            if text:
                _put(out, f.name, text)
    return out or None


def case_from_form(data: FormData) -> dict[str, Any]:
    """The case (as a mapping in the case format) that the submitted form fields describe.

    Raises
    ------
    CaseError
        For fields that cannot be read (unknown names, numbers that are not numbers, half a PCI grid), each
        with the case path it would have filled. The returned mapping still needs ``mesostage.parse_case``.
    """
    case, errors = read_form(data)
    if errors:
        raise CaseError(errors)
    return case


def read_form(data: FormData) -> tuple[dict[str, Any], list[InputError]]:
    """The case the form describes, leaving out what could not be read, and the problems with what was left out."""
    r = _Reader(data)
    known = _known_fields()
    r.errors.extend(
        InputError(key, "is not a field of this form") for key in data if key not in known and key != "case_json"
    )
    site = r.one("site")
    if site not in SITES:
        what = f"{site!r} is not an allowed value" if site else "choose where the mesothelioma started"
        r.errors.append(InputError("site", what, SITES))
        site = "pleura"
    case: dict[str, Any] = {"site": site}
    if ident := r.one("id"):
        case["id"] = ident
    if (date := r.date("diagnosis_date", "diagnosis_date")) is not None:
        case["diagnosis_date"] = date
    if histology := r.choice("histology", "histology", ("", *HISTOLOGIES), ""):
        case["histology"] = histology
    if tumor_type := r.choice("tumor_type", "tumor_type", ("", *TUMOR_TYPES), ""):
        case["tumor_type"] = tumor_type
    case["basis"] = r.choice("basis", "basis", BASES, "clinical")
    if laterality := r.choice("laterality", "laterality", ("", "left", "right"), ""):
        case["laterality"] = laterality
    effusion = r.tristate("pleural_effusion_malignant", "pleural_effusion_malignant")
    if effusion is not None:
        case["pleural_effusion_malignant"] = effusion
    for section in VOCABULARY:
        block = _section(r, case["site"], section)
        if block is not None:
            case[section] = block
    peritoneal = _peritoneal(r, case["site"])
    if peritoneal is not None:
        case["peritoneal"] = peritoneal
    performed = r.tristate("resection.performed", "resection.performed")
    margins = r.tristate("resection.margins_positive", "resection.margins_positive")
    if performed is not None or margins is not None:
        # Margins without surgery marked as done: mesostage.check_case names it in plain words.
        case["resection"] = {
            k: v for k, v in (("performed", performed), ("margins_positive", margins)) if v is not None
        }
    if reported := r.one("reported_stage"):
        system, _, stage = reported.rpartition(":")
        # The edition asked beside the stage; by default the edition in use for the date of diagnosis.
        system = system or r.one("reported_stage.system") or _edition_for(case)
        case["reported_stage"] = {"system": system, "stage": stage}
    if (patient := _patient(r)) is not None:
        case["patient"] = patient
    return case, r.errors


def _edition_for(case: Mapping[str, Any]) -> str:
    """The staging system in use for the case's site and date of diagnosis (the 9th edition without a date)."""
    try:
        date = dt.date.fromisoformat(case["diagnosis_date"]) if "diagnosis_date" in case else None
    except ValueError:
        date = None
    site = case.get("site", "pleura")
    return default_system(Case(site=site, diagnosis_date=date)) or "tnm9"


def reported_stage_values() -> list[str]:
    """Every stage of every system, each once, lowest first: the choices of the "stage you were given" select."""
    order = ("I", "IA", "IB", "II", "IIA", "IIB", "III", "IIIA", "IIIB", "IV", "IVA", "IVB")
    stages = {st for s in load_systems() for st in s.stages}
    return sorted(stages, key=lambda st: (order.index(st) if st in order else len(order), st))


def plain_error(error: InputError) -> str:
    """An input error for the form's summary: the field's label and the message, with no field names."""
    head, _, rest = error.path.partition(".")
    if head in VOCABULARY and rest.split("[")[0] in ("findings", "unknown"):
        where = labels().path_label(head)  # an item of a findings list: the section it belongs to
    else:
        where = label(error.path) if error.path else "The case"
    message = humanize(error.message)
    message = _PYDANTIC.sub(lambda m: _PYDANTIC_WORDS[m.group(1)] + " " + m.group(2), message)
    message = re.sub(r" \(got [^)]*\)$", "", message)
    if error.allowed and len(error.allowed) <= 8:
        message += " (choose one of: " + ", ".join(humanize(a) for a in error.allowed) + ")"
    return f"{where[:1].upper()}{where[1:]}: {message}"


_PYDANTIC = re.compile(r"Input should be (greater than or equal to|less than or equal to|greater than|less than) (\S+)")
_PYDANTIC_WORDS = {
    "greater than or equal to": "should be at least",
    "less than or equal to": "should be at most",
    "greater than": "should be more than",
    "less than": "should be less than",
}


def case_from_json_field(text: str) -> dict[str, Any]:
    """A case pasted (or carried between pages) as JSON text."""
    data = parse_json(text)
    if not isinstance(data, dict):
        raise CaseError([InputError("", f"a case must be a JSON object, got {type(data).__name__}")])
    return data


def _tri(value: bool | None) -> str:
    return "unknown" if value is None else ("yes" if value else "no")


def form_from_case(case: Mapping[str, Any]) -> dict[str, list[str]]:
    """The form fields that describe ``case`` (a valid case as a mapping), for filling the form again."""
    out: dict[str, list[str]] = {"site": [case["site"]], "basis": [case.get("basis", "clinical")]}
    for key in ("id", "diagnosis_date", "histology", "tumor_type", "laterality"):
        if case.get(key) is not None:
            out[key] = [str(case[key])]
    out["pleural_effusion_malignant"] = [_tri(case.get("pleural_effusion_malignant"))]
    for section, vocab in VOCABULARY.items():
        block = case.get(section)
        if block is None or not block.get("assessed", True):
            status = "not_assessed"
        elif block.get("no_evidence"):
            status = "no_evidence"
        else:
            status = "assessed"
        out[f"{section}.status"] = [status]
        present = set((block or {}).get("findings", ()))
        unknown = set((block or {}).get("unknown", ()))
        for name in vocab:
            out[f"{section}.{name}"] = ["yes" if name in present else "unknown" if name in unknown else "no"]
        if section == "tumor":
            for m in _MEASUREMENTS:
                value = (block or {}).get(m)
                out[f"tumor.{m}"] = ["" if value is None else _number(value)]
    peritoneal = case.get("peritoneal") or {}
    regions = peritoneal.get("pci_regions")
    for i in range(len(PCI_REGION_NAMES)):
        out[f"peritoneal.region.{i}"] = [str(regions[i]) if regions is not None else ""]
    out["peritoneal.pci"] = ["" if peritoneal.get("pci") is None else str(peritoneal["pci"])]
    for name in _PERITONEAL_BOOLS:
        out[f"peritoneal.{name}"] = [_tri(peritoneal.get(name))]
    resection = case.get("resection")
    out["resection.performed"] = [_tri(resection["performed"] if resection else None)]
    out["resection.margins_positive"] = [_tri(resection.get("margins_positive") if resection else None)]
    reported = case.get("reported_stage")
    out["reported_stage"] = [reported["stage"] if reported else ""]
    out["reported_stage.system"] = [reported["system"] if reported else ""]
    patient = case.get("patient") or {}
    for f in patient_fields():
        value = patient_value(patient, f.name)
        if f.kind == "multi":
            out[f.key] = [str(v) for v in value or ()]
        elif f.kind == "bool":
            out[f.key] = [_tri(value)]
        elif f.kind in ("int", "float"):
            out[f.key] = ["" if value is None else _number(value)]
        else:
            out[f.key] = ["" if value is None else str(value)]
    return out


def _number(value: float | int) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def field_id_for_path(path: str, case: Mapping[str, Any] | None) -> str:
    """The form field (its id) where the user fixes the problem at case path ``path``."""
    head, _, rest = path.partition(".")
    if head in VOCABULARY and case is not None:
        list_name, _, index = rest.partition("[")
        if list_name in ("findings", "unknown") and index.rstrip("]").isdigit():
            items = (case.get(head) or {}).get(list_name) or []
            i = int(index.rstrip("]"))
            if i < len(items) and isinstance(items[i], str):
                return f"{head}.{items[i]}"
        if rest in _MEASUREMENTS:
            return path
        return head
    if path.startswith("peritoneal.pci_regions["):
        return f"peritoneal.region.{path.split('[')[1].rstrip(']')}"
    if head == "patient":
        return path.split("[")[0]
    if head in ("peritoneal", "resection") and rest:
        return path
    if head == "reported_stage":
        return "reported_stage"
    return head or "site"
