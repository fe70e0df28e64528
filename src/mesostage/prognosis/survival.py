"""Published survival for the case's stage in each applicable staging system, and for its histology and site."""

from __future__ import annotations

from mesostage.case import Case
from mesostage.prognosis.definitions import FigureDef, PrognosisData
from mesostage.prognosis.result import SurvivalContext, SurvivalFigure
from mesostage.prognosis.wording import describe_outcome, figure_plain
from mesostage.staging import StagingResult, load_system

__all__ = ["cohort_figures", "histology_figures", "stage_figures", "survival_contexts", "to_figure"]

_NO_FIGURE = "no published survival figure for this stage in the sources mesostage holds"


def to_figure(data: PrognosisData, f: FigureDef) -> SurvivalFigure:
    """A data-file figure with its source, population and both wordings resolved."""
    src = data.sources[f.source]
    outcome = f.outcome()
    n = f" (n = {f.n:,})" if f.n else ""
    evidence = {"secondary": " Secondary source.", "interpretation": " Attached to this stage by mesostage."}
    statement = (
        f"{f.scope}{n}, {f.edition}, {f.basis}: {describe_outcome(outcome)}. "
        f"Population: {src.population}.{evidence.get(f.evidence, '')}"
        + (f" {f.note}" if f.note else "")
        + f" Source: {src.cite()}."
    )
    return SurvivalFigure(
        id=f.id,
        scope=f.scope,
        site=f.site,
        system=f.system,
        stages=f.stages,
        histology=f.histology,
        edition=f.edition,
        basis=f.basis,
        n=f.n,
        outcome=outcome,
        evidence="secondary" if src.kind == "secondary" and f.evidence == "primary" else f.evidence,
        note=f.note,
        source=src.cite(),
        year=src.year,
        population=src.population,
        population_kind=src.population_kind,
        statement=statement,
        plain=figure_plain(src.year, src.plain_population, f.plain_scope, outcome),
    )


def stage_figures(data: PrognosisData, system: str) -> list[FigureDef]:
    """Every stage figure of one system, in the system's stage order."""
    order = {s: i for i, s in enumerate(load_system(system).stages)}
    figs = [f for f in data.figures if f.system == system]
    return sorted(figs, key=lambda f: min(order[s] for s in f.stages))


def stages_of(system: str, stage: str | None, stage_range: tuple[str, str] | None) -> list[str]:
    """The stage, or every stage within the range, in the system's order."""
    if stage is not None:
        return [stage]
    if stage_range is None:
        return []
    labels = list(load_system(system).stages)
    lo, hi = labels.index(stage_range[0]), labels.index(stage_range[1])
    return labels[lo : hi + 1]


def survival_contexts(data: PrognosisData, staging: StagingResult) -> list[SurvivalContext]:
    """One context per applicable system, the system in use first."""
    results = [r for r in staging.results if r.applicable]
    results.sort(key=lambda r: r.system != staging.default_system)
    contexts = []
    for r in results:
        rng = (r.stage_range[0], r.stage_range[1]) if r.stage_range else None
        wanted = set(stages_of(r.system, r.stage, rng))
        figs = [to_figure(data, f) for f in stage_figures(data, r.system) if wanted & set(f.stages)]
        missing = None
        covered = {s for f in figs for s in f.stages}
        if not wanted:
            missing = "the stage cannot be determined from the findings given, so no figure is shown"
        elif not wanted <= covered:
            reasons = [n.reason for n in data.not_available if n.system == r.system]
            uncovered = ", ".join(s for s in stages_of(r.system, r.stage, rng) if s not in covered)
            missing = f"stage {uncovered}: " + (reasons[0] if reasons else _NO_FIGURE)
        if r.system in ("butchart", "brigham"):
            missing = next(n.reason for n in data.not_available if n.id == "butchart_brigham_survival")
        contexts.append(
            SurvivalContext(
                system=r.system,
                system_name=r.name,
                stage=r.stage,
                stage_range=rng,
                figures=tuple(figs),
                not_available=missing,
            )
        )
    return contexts


def histology_figures(data: PrognosisData, case: Case) -> list[SurvivalFigure]:
    if case.histology is None:
        return []
    return [
        to_figure(data, f)
        for f in data.figures
        if f.system is None and f.histology == case.histology and f.site == case.site
    ]


def cohort_figures(data: PrognosisData, case: Case) -> list[SurvivalFigure]:
    return [
        to_figure(data, f) for f in data.figures if f.system is None and f.histology is None and f.site == case.site
    ]
