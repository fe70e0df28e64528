"""The answer at the top of the results: the stage a person was given, what the findings give in that edition and in
the edition in use, and whether and why they differ, in one short paragraph.

When the system in use cannot settle the stage, the answer leads with what is known (the range, and what would
decide it), never with "cannot be determined".
"""

from __future__ import annotations

from dataclasses import dataclass

from mesostage import METASTASIS_FINDINGS, NODE_FINDINGS, TUMOR_FINDINGS, Case, StagingResult, SystemResult, load_system
from mesostage.labels import label

__all__ = ["Answer", "SystemAnswer", "answer", "what_was_found"]

_MEASUREMENTS = frozenset(label(m) for m in ("tumor.psum_mm", "tumor.fmax_mm"))
_VOCABULARY = frozenset((*TUMOR_FINDINGS, *NODE_FINDINGS, *METASTASIS_FINDINGS))


@dataclass(frozen=True)
class SystemAnswer:
    """What the findings give in one system, in words."""

    system: str
    name: str
    stage_words: str  # "IA", or "I to IIIA"
    depends_on: tuple[str, ...]  # plain labels of the unknowns that matter
    categories: str

    @property
    def settled(self) -> bool:
        return not self.depends_on

    def sentence(self, clinician: bool) -> str:
        cats = f" ({self.categories})" if clinician and self.categories else ""
        text = f"In the {self.name}, the findings give stage {self.stage_words}{cats}."
        if self.depends_on:
            text += f" Where in that range depends on {self.depends_words}."
        return text

    @property
    def depends_words(self) -> str:
        if all(d in _MEASUREMENTS for d in self.depends_on):
            return "measurements on the CT scan that are not known yet"
        if len(self.depends_on) <= 2:
            return _join(self.depends_on) + ", not known yet"
        return f"{len(self.depends_on)} facts not known yet (listed under Stage)"


@dataclass(frozen=True)
class Answer:
    """The answer: the headline (``given`` and the stage in the system in use), then ``details``."""

    stage: str  # the stage or range in the system in use, for the headline
    in_use: SystemAnswer
    in_use_why: str  # "the edition in use for this date of diagnosis"
    given: str
    differs: bool
    depends: str = ""  # "Where in that range depends on ...", or ""
    categories: str = ""  # clinician view only
    what: str = ""  # "The findings entered show ..."
    others: tuple[str, ...] = ()  # the stage in the other editions shown
    verdict: str = ""  # whether the stage given matches, and why not

    @property
    def details(self) -> tuple[str, ...]:
        """What depends on unknowns, the categories, what was found, the other editions, the verdict."""
        return tuple(x for x in (self.depends, self.categories, self.what, *self.others, self.verdict) if x)

    @property
    def headline_rest(self) -> str:
        return f"in the {_edition(self.in_use.name)}, {self.in_use_why}."

    @property
    def sentences(self) -> tuple[str, ...]:
        """The whole answer as plain sentences (for the summary PDF and for measuring)."""
        head = f"The findings give stage {self.stage} {self.headline_rest}"
        return tuple(s for s in (self.given, head, *self.details) if s)


def _edition(name: str) -> str:
    """ "TNM 8th" as "TNM 8th edition": the word a family needs to see that it is an edition of one system."""
    return f"{name} edition" if name.startswith("TNM ") and name.endswith(("th", "rd", "nd", "st")) else name


def _join(items: tuple[str, ...] | list[str]) -> str:
    items = list(items)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _stage_words(r: SystemResult) -> str:
    rng = r.stage_range
    if rng and rng[0] != rng[1]:
        return f"{rng[0]} to {rng[1]}"
    if r.stage is not None:
        return r.stage
    return rng[0] if rng else "not known"


def _categories(r: SystemResult) -> str:
    if r.t is None:
        return ""
    p = r.prefix or ""
    return f"{p}{r.t} {p}{r.n} {p}{r.m}"


def _system_answer(r: SystemResult) -> SystemAnswer:
    return SystemAnswer(
        system=r.system,
        name=load_system(r.system).short_name,
        stage_words=_stage_words(r),
        depends_on=tuple(label(u) for u in r.unknowns_that_matter),
        categories=_categories(r),
    )


def what_was_found(case: Case, r: SystemResult | None) -> str:
    """The findings that decided T (the tumour findings entered where none decided it), what is said of the nodes
    and of spread, then what was not looked at or is not known yet."""
    determinants = r.determinants if r is not None else ()
    tumour = [label(d.finding) for d in determinants if d.component == "T" and d.finding in _VOCABULARY]
    if not tumour and case.tumor is not None and case.tumor.assessed:
        tumour = [label(f"tumor.{f}") for f in case.tumor.findings]
    parts: list[str] = []
    open_: list[str] = []
    if tumour:
        parts.append("tumour on or in " + _join(list(dict.fromkeys(tumour))))
    nodes, spread, peritoneal = case.nodes, case.metastases, case.peritoneal
    if case.site == "pleura":
        if nodes is None or not nodes.assessed:
            open_.append("the lymph nodes (not looked at)")
        elif nodes.findings:
            parts.append(_join([label(f"nodes.{n}") for n in nodes.findings]))
        elif nodes.unknown:
            open_.append("some lymph nodes")
        else:
            parts.append("no lymph nodes affected")
    if peritoneal is not None:
        if peritoneal.nodes_positive is None:
            open_.append("the lymph nodes")
        else:
            parts.append("lymph nodes affected" if peritoneal.nodes_positive else "no lymph nodes affected")
        if peritoneal.extra_abdominal_metastases is None:
            open_.append("spread outside the belly")
        else:
            parts.append(
                "spread outside the belly" if peritoneal.extra_abdominal_metastases else "no spread outside the belly"
            )
    elif spread is None or not spread.assessed:
        if case.site == "pleura":
            open_.append("spread to distant places (not looked for)")
    elif spread.findings:
        parts.append(_join([label(f"metastases.{m}") for m in spread.findings]))
    elif spread.unknown:
        open_.append("spread to distant places")
    else:
        parts.append("no spread to distant places")
    text = f"The findings entered show {_join(parts)}." if parts else ""
    if open_:
        text += f" Not known yet: {_join(open_)}."
    return text.strip()


def _order(stage: str, stages: tuple[str, ...]) -> int:
    return stages.index(stage) if stage in stages else -1


def answer(case: Case, staging: StagingResult, *, clinician: bool = False) -> Answer | None:
    """The answer for ``case``; None where no system applies (pericardial and tunica vaginalis primaries)."""
    by_id = {r.system: r for r in staging.results if r.applicable}
    in_use = by_id.get(staging.default_system or "")
    if in_use is None:
        return None
    reported = case.reported_stage
    shown: list[SystemResult] = []
    if reported is not None and reported.system in by_id:
        shown.append(by_id[reported.system])
    if in_use not in shown:
        shown.append(in_use)
    if case.site == "pleura":
        # The 8th and 9th editions are both in use around the change in 2025: give the other one too.
        other = by_id.get("tnm8" if in_use.system == "tnm9" else "tnm9")
        if other is not None and other not in shown and in_use.system in ("tnm8", "tnm9"):
            shown.append(other)
    main = _system_answer(in_use)
    others = [_system_answer(r).sentence(clinician) for r in shown if r is not in_use]
    what = what_was_found(case, in_use)
    given = verdict = ""
    differs = False
    if reported is not None:
        edition = load_system(reported.system).short_name
        given = (
            f"Stage given: {reported.stage} ({edition})."
            if clinician
            else f"You were told stage {reported.stage} ({edition})."
        )
        target = by_id.get(reported.system)
        if target is not None and target.stage_range:
            stages = load_system(reported.system).stages
            lo, hi = (_order(s, stages) for s in target.stage_range)
            at = _order(reported.stage, stages)
            if lo <= at <= hi:
                verdict = (
                    f"That matches what the findings give in the {edition}."
                    if lo == hi
                    else f"That is within the range the findings allow in the {edition}."
                )
            else:
                differs = True
                lower = "lower" if at > hi else "higher"
                if clinician:
                    why = (
                        "stage IV needs M1, and none is recorded"
                        if reported.stage.startswith("IV") and target.m == "M0"
                        else f"the findings give a {lower} stage"
                    )
                    verdict = f"Differs from the reported stage: {why}."
                else:
                    if reported.stage.startswith("IV") and target.m == "M0":
                        why = "stage IV means spread to distant places, and none was entered"
                    else:
                        why = f"the findings give a {lower} stage than the one you were told"
                    verdict = f"This differs from the stage you were told: {why}. Worth checking with your care team."
    depends = f"Where in that range depends on {main.depends_words}." if main.depends_on else ""
    cats = f"Categories: {main.categories}." if clinician and main.categories else ""
    why_in_use = (
        "the one in use for this date of diagnosis"
        if in_use.system.startswith("tnm")
        else "the system used for this site"
    )
    return Answer(
        stage=main.stage_words,
        in_use=main,
        in_use_why=why_in_use,
        given=given,
        differs=differs,
        depends=depends,
        categories=cats,
        what=what,
        others=tuple(others),
        verdict=verdict,
    )
