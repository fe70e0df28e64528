"""What the results page and the report show, computed from a case and its staging result.

The sections of the results page are listed in ``SECTIONS``: each is one partial template fed by one function of
the public API. A capability that lands on main is one more entry here, one more partial under
``templates/partials/`` and one more route in ``api.py``.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import threading
import warnings
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any, Literal

import mesostage
from mesostage import Case, StagingResult, SystemResult, load_system, load_systems
from mesostage.trials.index import DamagedIndex
from mesostage.web.form import patient_fields
from mesostage.web.labels import VOCABULARY, labels
from mesostage.web.trial_list import trials_section

__all__ = [
    "DISCLAIMER",
    "SECTIONS",
    "Analysis",
    "DataVersion",
    "RangeCell",
    "Section",
    "SystemRow",
    "analyse",
    "data_version",
]

DISCLAIMER = (
    "mesostage supports, and does not replace, a specialist's judgement. It is not medical advice: "
    "talk about these results with the care team."
)


@dataclass(frozen=True)
class DataVersion:
    """The versions a result rests on: the package, and a fingerprint of every staging-system data file."""

    package: str
    fingerprint: str
    systems: tuple[tuple[str, str], ...]  # (id, full name)

    @property
    def label(self) -> str:
        return f"mesostage {self.package}, staging data {self.fingerprint}"


@cache
def data_version() -> DataVersion:
    systems = load_systems()
    blob = json.dumps([s.model_dump(mode="json") for s in systems], sort_keys=True).encode()
    return DataVersion(
        package=mesostage.__version__,
        fingerprint="sha256:" + hashlib.sha256(blob).hexdigest()[:12],
        systems=tuple((s.id, s.name) for s in systems),
    )


@dataclass(frozen=True)
class RangeCell:
    stage: str
    in_range: bool
    current: bool


@dataclass(frozen=True)
class SystemRow:
    """One system's result, ready to show."""

    result: SystemResult
    short_name: str
    in_use: bool
    tnm: str
    range_text: str
    cells: tuple[RangeCell, ...]
    decided_by: tuple[str, ...]
    unknowns: tuple[str, ...]  # plain words

    @property
    def stage_text(self) -> str:
        return self.result.stage or "cannot be determined"


def _tnm(r: SystemResult) -> str:
    if r.t is not None:
        p = r.prefix or ""
        text = f"{p}{r.t} {p}{r.n} {p}{r.m}"
    else:
        text = ", ".join(f"{k} {v}" for k, v in r.categories.items())
    return f"PCI {r.pci}: {text}" if r.pci is not None else text


def _cells(r: SystemResult, stages: tuple[str, ...] | list[str]) -> tuple[RangeCell, ...]:
    if not r.stage_range:
        return ()
    lo, hi = stages.index(r.stage_range[0]), stages.index(r.stage_range[1])
    return tuple(RangeCell(s, lo <= i <= hi, s == r.stage) for i, s in enumerate(stages))


def _determinant_text(component: str, finding: str | None, category: str, reason: str | None) -> str:
    what = finding or ""
    head, _, tail = what.partition(".")
    if what in {f for v in VOCABULARY.values() for f in v}:
        section = next(s for s, v in VOCABULARY.items() if what in v)
        what = labels().finding(section, what).term
    elif head in VOCABULARY and tail:
        what = labels().path_label(what)
    text = f"{component} {category}"
    if what:
        text += f": {what}"
    if reason:
        text += f" ({reason})"
    return text


def system_rows(result: StagingResult) -> list[SystemRow]:
    rows: list[SystemRow] = []
    for r in result.results:
        if not r.applicable:
            continue
        system = load_system(r.system)
        rng = r.stage_range
        if rng is None:
            range_text = "none"
        elif rng[0] == rng[1]:
            range_text = f"{rng[0]} only"
        else:
            range_text = f"{rng[0]} to {rng[1]}"
        rows.append(
            SystemRow(
                result=r,
                short_name=system.short_name,
                in_use=r.system == result.default_system,
                tnm=_tnm(r),
                range_text=range_text,
                cells=_cells(r, system.stages),
                decided_by=tuple(
                    _determinant_text(d.component, d.finding, d.category, d.reason)
                    for d in r.determinants
                    if d.component != "stage_group"
                ),
                unknowns=tuple(labels().path_label(u) for u in r.unknowns_that_matter),
            )
        )
    rows.sort(key=lambda row: not row.in_use)
    return rows


@dataclass(frozen=True)
class Entered:
    """What the case says, in plain words, so that a reader can check what was counted as absent."""

    present: tuple[str, ...]
    unknown: tuple[str, ...]
    not_assessed: tuple[str, ...]
    other: tuple[str, ...]


def entered(case: Case) -> Entered:
    present: list[str] = []
    unknown: list[str] = []
    not_assessed: list[str] = []
    lab = labels()
    for section in VOCABULARY:
        block = getattr(case, section)
        if case.site == "peritoneum" and section == "metastases":
            continue
        if case.site not in ("pleura",) and section != "metastases":
            continue
        if block is None or not block.assessed:
            not_assessed.append(lab.section(section).title)
            continue
        present.extend(lab.finding(section, f).label for f in block.findings)
        unknown.extend(lab.finding(section, f).label for f in block.unknown)
    other: list[str] = []
    if case.tumor is not None:
        if case.tumor.no_evidence:
            other.append("No sign of a main tumour (T0)")
        for m in ("psum_mm", "fmax_mm"):
            value = getattr(case.tumor, m)
            text = lab.measurements[m]
            other.append(f"{text.label} ({text.term}): {'not measured' if value is None else f'{value:g} mm'}")
    if case.peritoneal is not None:
        p = case.peritoneal
        if p.pci_regions is not None:
            scores = ", ".join(f"{lab.pci_region_name(i)} {s}" for i, s in enumerate(p.pci_regions))
            other.append(f"PCI region scores: {scores}")
        other.append(f"Peritoneal Cancer Index: {'not known' if p.pci_total is None else p.pci_total}")
        for name in ("nodes_positive", "extra_abdominal_metastases"):
            value = getattr(p, name)
            other.append(f"{lab.paths['peritoneal.' + name]}: {_yes_no(value)}")
    if case.pleural_effusion_malignant is not None:
        other.append(f"{lab.paths['pleural_effusion_malignant']}: {_yes_no(case.pleural_effusion_malignant)}")
    if case.resection is not None:
        other.append(f"Surgery done: {_yes_no(case.resection.performed)}")
        if case.resection.margins_positive is not None:
            other.append(f"{lab.paths['resection.margins_positive']}: {_yes_no(case.resection.margins_positive)}")
    if case.reported_stage is not None:
        name = load_system(case.reported_stage.system).short_name
        other.append(f"Stage already given: {case.reported_stage.stage} ({name})")
    if case.patient is not None:
        other.extend(_patient_lines(case))
    return Entered(tuple(present), tuple(unknown), tuple(not_assessed), tuple(other))


def _patient_lines(case: Case) -> list[str]:
    lines: list[str] = []
    for f in patient_fields():
        value = getattr(case.patient, f.name)
        if value is None or value == []:
            continue
        if isinstance(value, bool):
            text = _yes_no(value)
        elif isinstance(value, list):
            text = ", ".join(str(v).replace("_", " ") for v in value)
        elif isinstance(value, float):
            text = f"{value:g}"
        else:
            text = str(value).replace("_", " ") if f.kind == "choice" else str(value)
        lines.append(f"{f.label}: {text}{' ' + f.unit if f.unit else ''}")
    return lines


def _yes_no(value: bool | None) -> str:
    return "not known" if value is None else ("yes" if value else "no")


@dataclass
class Analysis:
    """Everything the results page and the report need for one case. Computed per request, never stored."""

    case: Case
    case_json: str
    view: str
    staging: StagingResult
    rows: list[SystemRow]
    entered: Entered
    created: dt.datetime
    version: DataVersion
    sections: dict[str, Mapping[str, Any]] = field(default_factory=dict)

    @property
    def in_use(self) -> SystemRow | None:
        return next((row for row in self.rows if row.in_use), None)

    @property
    def site_label(self) -> str:
        return labels().sites[self.case.site].label


@dataclass(frozen=True)
class Section:
    """One section of the results page: its anchor, heading, partial template and the function that fills it."""

    id: str
    title: str
    template: str
    build: Callable[[Analysis], Mapping[str, Any]]
    patient_title: str | None = None
    #: the views whose PDF report includes this section
    report_views: tuple[str, ...] = ("patient", "clinician")

    def heading(self, view: str) -> str:
        return self.patient_title if view == "patient" and self.patient_title else self.title


def _staging_section(a: Analysis) -> Mapping[str, Any]:
    return {
        "rows": a.rows,
        "not_applicable": [r for r in a.staging.results if not r.applicable],
        "sources": list(dict.fromkeys(s for row in a.rows for s in row.result.sources)),
    }


def _review_section(a: Analysis) -> Mapping[str, Any]:
    order = {"critical": 0, "warning": 1, "info": 2}
    notes = sorted(a.staging.review, key=lambda n: order[n.severity])
    names = {s.id: s.short_name for s in load_systems()}
    # The patient view leads with the plain version of a note; the exact wording stays one click away.
    plain = {n.code: mesostage.plain_note(n.code) for n in notes} if a.view != "clinician" else {}
    return {"notes": notes, "system_names": names, "plain": plain}


def _explain_section(a: Analysis) -> Mapping[str, Any]:
    # Without ``result``: explain() reviews the case itself, and a result from stage() already holds the review.
    audience: Literal["patient", "clinician"] = "clinician" if a.view == "clinician" else "patient"
    return {"explanation": mesostage.explain(a.case, audience=audience)}


def _options_section(a: Analysis) -> Mapping[str, Any]:
    audience: Literal["patient", "clinician"] = "clinician" if a.view == "clinician" else "patient"
    names = {s.id: s.short_name for s in load_systems()}
    found = mesostage.options(a.case, audience=audience)
    sources = {
        src.citation + (" [secondary source]" if src.status == "secondary" else ""): None
        for option in (*found.options, *found.not_suitable)
        for src in option.sources
    }
    return {"options": found, "system_names": names, "sources": list(sources)}


def _outlook_section(a: Analysis) -> Mapping[str, Any]:
    outlook = mesostage.prognosis(a.case, staging=a.staging)
    png = outlook_figure(a.case, "png", outlook, with_id=False)
    return {"prognosis": outlook, "figure": base64.b64encode(png).decode("ascii")}


_FIGURE_LOCK = threading.Lock()
_CACHE_LOCK = threading.Lock()
_FIGURES: OrderedDict[tuple[str, str], bytes] = OrderedDict()
#: Figures kept (about 100 kB each): pages of the same outlook, the view switch and the PDF draw it once.
FIGURE_CACHE_SIZE = 64


def outlook_figure(case: Case, fmt: str, outlook: mesostage.Prognosis | None = None, *, with_id: bool = True) -> bytes:
    """The outlook figure. A character the figure's font lacks (a control character in the case id, say) is drawn
    as a box; matplotlib's warning about it is not a failure of the page.

    The figure depends on the outlook alone, so it is cached by the outlook: a page whose figure was drawn before
    does not wait for another page's figure. ``with_id=False`` leaves the case id out of the title (the page shows
    it above the figure), so that every case with the same outlook shares one figure.
    """
    outlook = outlook if outlook is not None else mesostage.prognosis(case)
    if not with_id:
        outlook = outlook.model_copy(update={"id": None})
    key = (outlook.model_dump_json(), fmt)
    with _CACHE_LOCK:
        if (hit := _FIGURES.get(key)) is not None:
            _FIGURES.move_to_end(key)
            return hit
    # One figure drawn at a time: pages are rendered in worker threads, and matplotlib's settings are global.
    with _FIGURE_LOCK, warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r"Glyph \d+ .* missing from font", category=UserWarning)
        image = mesostage.prognosis_figure(case, fmt, result=outlook)
    with _CACHE_LOCK:
        _FIGURES[key] = image
        while len(_FIGURES) > FIGURE_CACHE_SIZE:
            _FIGURES.popitem(last=False)
    return image


def _trials_section(a: Analysis) -> Mapping[str, Any]:
    # The navigator's list with its default filters (open trials, nearest first); its form posts to /trials.
    try:
        return trials_section(a.case, a.view, a.case_json)
    except DamagedIndex as exc:
        # A damaged index file: say what is wrong and how to rebuild it; the rest of the page still stands.
        return {"damaged": str(exc)}


def _entered_section(a: Analysis) -> Mapping[str, Any]:
    return {"entered": a.entered}


#: The sections of the results page, in order. Add one entry per capability (with its partial template).
SECTIONS: tuple[Section, ...] = (
    Section("stage", "Stage", "partials/staging.html", _staging_section),
    Section("review", "Points to check", "partials/review.html", _review_section, "Points to check with the care team"),
    # The clinician summary repeats the staging table as text: on the page it is folded away, in the PDF left out.
    Section(
        "explain", "Summary for the notes", "partials/explain.html", _explain_section, "What this means", ("patient",)
    ),
    Section("options", "Treatment options", "partials/options.html", _options_section, "Treatments to ask about"),
    Section("outlook", "Outlook", "partials/outlook.html", _outlook_section, "What studies of other people show"),
    Section("trials", "Clinical trials", "partials/trials.html", _trials_section, "Clinical trials to ask about"),
    Section("entered", "What was entered", "partials/entered.html", _entered_section),
)


def analyse(case: Case, view: str, *, now: dt.datetime | None = None) -> Analysis:
    """Stage ``case`` and build every section of the results page."""
    staging = mesostage.stage(case)
    analysis = Analysis(
        case=case,
        case_json=case.model_dump_json(exclude_none=True),
        view=view,
        staging=staging,
        rows=system_rows(staging),
        entered=entered(case),
        created=now or dt.datetime.now(dt.UTC),
        version=data_version(),
    )
    for section in SECTIONS:
        analysis.sections[section.id] = section.build(analysis)
    return analysis
