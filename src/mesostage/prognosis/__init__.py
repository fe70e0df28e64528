"""Outlook: published survival for the case's stage in every applicable system, and validated prognostic scores.

Every figure and score comes from the data files beside this package (``data/*.toml``), each with its source,
year, population and edition. Figures and models that could not be verified are left out and listed in
``Prognosis.not_available`` with the reason. Supports, and does not replace, a specialist's judgement.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, get_args

from mesostage.case import Case, parse_case
from mesostage.errors import CaseError, InputError
from mesostage.prognosis.calculators import EvaluationOptions, evaluate_model
from mesostage.prognosis.definitions import load_data
from mesostage.prognosis.result import (
    NotAvailable,
    Outcome,
    Prognosis,
    ScoreGroup,
    ScoreInput,
    ScoreItem,
    ScoreResult,
    SurvivalAt,
    SurvivalContext,
    SurvivalFigure,
    ValidationOutcome,
)
from mesostage.prognosis.survival import cohort_figures, histology_figures, survival_contexts
from mesostage.prognosis.wording import CLINICIAN_CAVEATS, DISCLAIMER, PLAIN_CAVEATS, PLAIN_SYSTEM_NAMES
from mesostage.staging import StagingResult, stage

__all__ = [
    "EORTC_HISTOLOGY_READINGS",
    "NotAvailable",
    "Outcome",
    "Prognosis",
    "ScoreGroup",
    "ScoreInput",
    "ScoreItem",
    "ScoreResult",
    "SurvivalAt",
    "SurvivalContext",
    "SurvivalFigure",
    "ValidationOutcome",
    "prognosis",
    "prognosis_figure",
]

EortcHistology = Literal["sarcomatoid", "non_epithelioid"]
#: How the EORTC histology factor is read: the primary abstract names sarcomatous histology, NCI PDQ names
#: non-epithelioid histology (biphasic too).
EORTC_HISTOLOGY_READINGS: tuple[str, ...] = get_args(EortcHistology)

_PLAIN_INTRO = "Here are numbers from studies of people with this kind of cancer."
_PLAIN_NONE = "We found no study we could check that gives numbers for this stage in the system in use."
_PLAIN_OTHER = "Here are numbers for the same cancer in another system. It is the {name}."
_PLAIN_NOTHING = "We found no study we could check that gives numbers for this stage."


def _plain_summary(contexts: list[SurvivalContext], histology: list[SurvivalFigure]) -> tuple[str, ...]:
    lines = [_PLAIN_INTRO]
    with_figures = [c for c in contexts if c.figures]
    if contexts and contexts[0].figures:
        lines += [f.plain for f in contexts[0].figures]
    elif with_figures:
        other = with_figures[0]
        lines += [_PLAIN_NONE, _PLAIN_OTHER.format(name=PLAIN_SYSTEM_NAMES.get(other.system, other.system_name))]
        lines += [f.plain for f in other.figures]
    else:
        lines.append(_PLAIN_NOTHING)
    lines += [f.plain for f in histology]
    return (*lines, *PLAIN_CAVEATS)


def prognosis(
    case: Case | Mapping[str, Any],
    *,
    eortc_histology: str = "sarcomatoid",
    unverified_weights: bool = False,
    staging: StagingResult | None = None,
) -> Prognosis:
    """The outlook for one case: published survival for its stage, prognostic scores, and what is not available.

    Parameters
    ----------
    case
        A :class:`~mesostage.Case` or a mapping in the case format. Score inputs are read from ``case.patient``.
    eortc_histology
        ``"sarcomatoid"`` (default; the primary abstract) or ``"non_epithelioid"`` (NCI PDQ; biphasic counts too).
    unverified_weights
        Use the EORTC histology weight 0.67, which no readable source prints (it is inferred from the cut-off).
        The result is then marked ``evidence="unverified"``. Off by default: the group is still given, from the
        number of factors, as NCI PDQ states it.
    staging
        A staging result for this case, to reuse; computed with :func:`mesostage.stage` when not given.

    Raises
    ------
    CaseError
        If the case or an option is invalid; every error names its field path.
    """
    parsed = parse_case(case)
    if eortc_histology not in EORTC_HISTOLOGY_READINGS:
        raise CaseError(
            [InputError("eortc_histology", f"'{eortc_histology}' is not a reading", EORTC_HISTOLOGY_READINGS)]
        )
    data = load_data()
    staged = staging if staging is not None else stage(parsed)
    contexts = survival_contexts(data, staged)
    histology = histology_figures(data, parsed)
    opts = EvaluationOptions(eortc_histology=eortc_histology, unverified_weights=unverified_weights)
    scores = tuple(evaluate_model(data, model_id, parsed, opts) for model_id in data.models)
    not_available = tuple(
        NotAvailable(
            id=n.id,
            name=n.name,
            reason=n.reason,
            source=data.sources[n.source].cite() if n.source else None,
        )
        for n in data.not_available
    )
    return Prognosis(
        id=parsed.id,
        site=parsed.site,
        default_system=staged.default_system,
        survival=tuple(contexts),
        histology=tuple(histology),
        cohorts=tuple(cohort_figures(data, parsed)),
        scores=scores,
        not_available=not_available,
        plain_summary=_plain_summary(contexts, histology),
        caveats=CLINICIAN_CAVEATS,
        disclaimer=DISCLAIMER,
    )


def prognosis_figure(
    case: Case | Mapping[str, Any],
    fmt: str = "png",
    *,
    result: Prognosis | None = None,
) -> bytes:
    """Median survival by stage (bars, with the source's interval where published), the case's stage
    highlighted, source and population in the caption. ``fmt`` is ``"png"`` (1000 x 750 px) or ``"svg"``.

    Raises
    ------
    CaseError
        If the case is invalid or ``fmt`` is not png or svg.
    """
    if fmt not in ("png", "svg"):
        raise CaseError([InputError("fmt", f"'{fmt}' is not a figure format", ("png", "svg"))])
    outlook = result if result is not None else prognosis(case)
    # Imported here: matplotlib is slow to import and only the figure needs it.
    from mesostage.prognosis.figure import render

    return render(outlook, fmt)
