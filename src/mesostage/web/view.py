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
from mesostage.labels import humanize
from mesostage.trials.index import DamagedIndex
from mesostage.web.answer import Answer, answer
from mesostage.web.form import patient_fields, patient_value
from mesostage.web.glance import GlanceRow, glance
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

    @property
    def stage_words(self) -> str:
        """The stage, or the range where it is still open ("I to IIIA"): what a family reads first."""
        rng = self.result.stage_range
        if rng and rng[0] != rng[1]:
            return f"stage {rng[0]} to {rng[1]}"
        return f"stage {self.result.stage}" if self.result.stage else "not known yet"


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
    elif f"tumor.{what}" in labels().paths:  # a CT measurement, named without its section
        what = labels().paths[f"tumor.{what}"]
    text = f"{component} {category}"
    if what:
        text += f": {humanize(what)}"
    if reason:
        text += f" ({humanize(reason)})"
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
class EnteredRow:
    label: str
    value: str
    default: bool = False  # the form's default answer, not changed (or not given in the case)


@dataclass(frozen=True)
class EnteredGroup:
    title: str
    rows: tuple[EnteredRow, ...]


@dataclass(frozen=True)
class Entered:
    """Every input of the case in plain words, defaults marked as defaults, so that a reader can check it all."""

    groups: tuple[EnteredGroup, ...]


_FINDING_WORDS = {"present": "Yes", "unknown": "Not known", "absent": "No"}


def _finding_rows(section: str, block: Any) -> tuple[EnteredRow, ...]:
    lab = labels()
    rows = []
    for f in lab.section(section).findings:
        state = "present" if f.name in block.findings else "unknown" if f.name in block.unknown else "absent"
        rows.append(EnteredRow(f.label, _FINDING_WORDS[state], state == "absent"))
    return tuple(rows)


def entered(case: Case) -> Entered:
    lab = labels()
    edition = mesostage.default_system(case)
    date = case.diagnosis_date
    about = [
        EnteredRow("Where it started", lab.sites[case.site].label),
        EnteredRow(
            "Date of diagnosis",
            (date.isoformat() if date else "not given")
            + (f" (it selects the {load_system(edition).short_name})" if edition else ""),
            date is None,
        ),
        EnteredRow(
            "Type of cells", lab.histologies[case.histology] if case.histology else "not known", not case.histology
        ),
        EnteredRow("How the extent was found out", lab.bases[case.basis].label, case.basis == "clinical"),
    ]
    if case.site == "pleura":
        about.append(
            EnteredRow("Side of the chest", (case.laterality or "not known").capitalize(), not case.laterality)
        )
    if case.reported_stage is not None:
        about.append(EnteredRow("Stage already given", case.reported_stage.stage))
        about.append(EnteredRow("Edition of that stage", load_system(case.reported_stage.system).short_name))
    else:
        about.append(EnteredRow("Stage already given", "none", True))
    groups = [EnteredGroup("About the diagnosis", tuple(about))]
    for section in VOCABULARY:
        if case.site == "peritoneum" or (case.site != "pleura" and section != "metastases"):
            continue
        block = getattr(case, section)
        title = lab.section(section).title
        if block is None or not block.assessed:
            groups.append(EnteredGroup(title, (EnteredRow("Described in a report?", "No, or not known"),)))
            continue
        rows = list(_finding_rows(section, block))
        if section == "tumor":
            if block.no_evidence:
                rows.insert(0, EnteredRow("No sign of a main tumour (T0)", "Yes"))
            for m in ("psum_mm", "fmax_mm"):
                value = getattr(block, m)
                text = lab.measurements[m]
                rows.append(EnteredRow(text.label, "not measured" if value is None else f"{value:g} mm", value is None))
        groups.append(EnteredGroup(title, tuple(rows)))
    other: list[EnteredRow] = []
    if case.peritoneal is not None:
        p = case.peritoneal
        if p.pci_regions is not None:
            other.extend(
                EnteredRow(f"PCI region {i}: {lab.pci_region_name(i)}", str(v)) for i, v in enumerate(p.pci_regions)
            )
        other.append(
            EnteredRow(
                lab.paths["peritoneal.pci"],
                "not known" if p.pci_total is None else str(p.pci_total),
                p.pci_total is None,
            )
        )
        for name in ("nodes_positive", "extra_abdominal_metastases"):
            value = getattr(p, name)
            other.append(EnteredRow(lab.paths["peritoneal." + name], _yes_no(value), value is None))
    if case.site == "pleura":
        effusion = case.pleural_effusion_malignant
        other.append(EnteredRow(lab.paths["pleural_effusion_malignant"], _yes_no(effusion), effusion is None))
        performed = case.resection.performed if case.resection else None
        margins = case.resection.margins_positive if case.resection else None
        other.append(EnteredRow(lab.paths["resection.performed"], _yes_no(performed), performed is None))
        other.append(EnteredRow(lab.paths["resection.margins_positive"], _yes_no(margins), margins is None))
    if other:
        groups.append(EnteredGroup("Fluid, surgery and scores", tuple(other)))
    groups.append(EnteredGroup("About the person", tuple(_patient_rows(case))))
    return Entered(tuple(groups))


def _patient_rows(case: Case) -> list[EnteredRow]:
    rows: list[EnteredRow] = []
    for f in patient_fields():
        value = patient_value(case.patient, f.name)
        if value is None or value == []:
            rows.append(EnteredRow(f.label, "not given", True))
            continue
        if isinstance(value, bool):
            text = _yes_no(value)
        elif isinstance(value, list):
            text = ", ".join(str(v).replace("_", " ") for v in value)
        elif isinstance(value, float):
            text = f"{value:g}"
        else:
            text = str(value).replace("_", " ") if f.kind == "choice" else str(value)
        rows.append(EnteredRow(f.label, f"{text}{' ' + f.unit if f.unit else ''}"))
    return rows


def _yes_no(value: bool | None) -> str:
    return "Not known" if value is None else ("Yes" if value else "No")


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
    answer: Answer | None = None
    sections: dict[str, Mapping[str, Any]] = field(default_factory=dict)

    @property
    def warnings(self) -> list[mesostage.CaseWarning]:
        """What to check in the input (answers that do not fit together, nothing marked): shown above the results."""
        return self.staging.warnings

    @property
    def in_use(self) -> SystemRow | None:
        return next((row for row in self.rows if row.in_use), None)

    @property
    def summary(self) -> Summary:
        return summary(self)

    @property
    def open_facts(self) -> list[tuple[str, list[str]]]:
        """Each fact still unknown that could change a stage, with the systems whose stage it could change."""
        systems: dict[str, list[str]] = {}
        for row in self.rows:
            for fact in row.unknowns:
                systems.setdefault(fact, []).append(row.short_name)
        return list(systems.items())

    @property
    def share_link(self) -> str:
        """A link to the form page holding the case in its fragment (never sent to a server)."""
        case = base64.urlsafe_b64encode(self.case_json.encode()).decode("ascii").rstrip("=")
        return f"/#case={case}&view={self.view}"

    @property
    def glance(self) -> tuple[GlanceRow, ...]:
        """The short answers on the first screen (patient view), from the sections already built."""
        return glance(self)

    @property
    def site_label(self) -> str:
        return labels().sites[self.case.site].label


@dataclass(frozen=True)
class SummaryTrial:
    title: str
    nct_id: str
    place: str
    contact: str


@dataclass(frozen=True)
class Summary:
    """What the one-page summary holds beside the answer and the stage table: the top of each list."""

    notes: tuple[tuple[str, str], ...]  # (severity label, text)
    more_notes: int
    questions: tuple[str, ...]
    trials: tuple[SummaryTrial, ...]
    trials_note: str


#: How much of each list fits on the one-page summary.
SUMMARY_NOTES, SUMMARY_QUESTIONS, SUMMARY_TRIALS = 4, 5, 3
SEVERITY_WORDS = {
    "patient": {
        "critical": "Worth checking with your care team",
        "warning": "Good to ask about",
        "info": "Good to know",
    },
    "clinician": {"critical": "Critical", "warning": "Warning", "info": "Note"},
}


def summary(a: Analysis) -> Summary:
    review = a.sections["review"]
    plain = review.get("plain", {})
    words = SEVERITY_WORDS["clinician" if a.view == "clinician" else "patient"]
    notes = [(words[n.severity], humanize(plain.get(n.code) or n.message)) for n in review["notes"]]
    questions = [*a.sections["explain"]["explanation"].questions, *a.sections["options"]["options"].questions]
    trials: list[SummaryTrial] = []
    section = a.sections["trials"]
    listed = section.get("list")  # the navigator's trial list (web/trial_list.py), nearest first
    # A damaged trial index leaves no list: the summary says so, and gives the rest.
    note = str(section.get("damaged", "")) if listed is None else listed.place.problem or ""
    for item in listed.matches[:SUMMARY_TRIALS] if listed is not None else ():
        m = item.trial
        site = m.nearest_site
        place = ", ".join(x for x in (site.facility, site.city, site.country) if x) if site else ""
        contact = next((", ".join(x for x in (c.name, c.phone, c.email) if x) for c in m.central_contacts), "")
        trials.append(SummaryTrial(m.title, m.nct_id, place, contact))
    if listed is not None and listed.fictional_data:
        note = "Demo data only: these trials are FICTIONAL."
    return Summary(
        notes=tuple(notes[:SUMMARY_NOTES]),
        more_notes=max(0, len(notes) - SUMMARY_NOTES),
        questions=tuple(dict.fromkeys(humanize(q) for q in questions))[:SUMMARY_QUESTIONS],
        trials=tuple(trials),
        trials_note=note,
    )


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
    # The patient view leads with the options for this situation (first line, or later lines after treatment);
    # the others are folded away.
    treated = a.case.patient is not None and bool(a.case.patient.prior_systemic_lines or a.case.patient.prior_agents)
    line = "later_line" if treated else "first_line"
    other_line = "first_line" if treated else "later_line"
    # The PDF lists the facts not yet recorded once, numbered, and each option names its numbers: the same few
    # facts (activity score, earlier treatment) decide most options, and repeating them filled pages.
    missing = list(dict.fromkeys(w for option in found.options for w in option.would_apply_if))
    return {
        "options": found,
        "system_names": names,
        "sources": list(sources),
        "missing": missing,
        "missing_no": {w: i for i, w in enumerate(missing, 1)},
        "first": [o for o in found.options if o.section == line],
        "also": [o for o in found.options if o.section not in (line, other_line)],
        "folded": [o for o in found.options if o.section == other_line],
        "folded_title": "Treatments for a first treatment"
        if treated
        else "Treatments for later, after a first treatment",
    }


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

    The figure depends on the stage group alone (the survival by stage in each system, see
    :func:`mesostage.prognosis.figure.drawn_from`), so it is cached by that: it is drawn once per stage group, and a
    page whose figure was drawn before does not wait for another page's figure. ``with_id=False`` leaves the case id
    out of the title (the page shows it above the figure), so that every case of the same stage group shares one
    figure.
    """
    from mesostage.prognosis.figure import drawn_from

    outlook = outlook if outlook is not None else mesostage.prognosis(case)
    if not with_id:
        outlook = outlook.model_copy(update={"id": None})
    key = (drawn_from(outlook), fmt)
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
        answer=answer(case, staging, clinician=view == "clinician"),
    )
    for section in SECTIONS:
        analysis.sections[section.id] = section.build(analysis)
    return analysis
