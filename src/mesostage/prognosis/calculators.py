"""One generic evaluator for the prognostic models in ``data/models.toml``.

A model is data: factors with weights (weighted sum), components with point bands (points), or groups defined by
conditions. The evaluator reads the inputs from the case, never guesses a missing one (the result says which case
field is needed), and reports a boundary that the source prints two ways instead of choosing a side silently.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from mesostage.case import Case
from mesostage.prognosis.definitions import (
    Condition,
    GroupDef,
    ModelDef,
    PrognosisData,
)
from mesostage.prognosis.result import (
    Evidence,
    ScoreGroup,
    ScoreInput,
    ScoreItem,
    ScoreResult,
    ValidationOutcome,
)
from mesostage.prognosis.wording import score_plain

__all__ = ["INPUTS", "EvaluationOptions", "InputDef", "evaluate_model", "read_input"]

Value = float | int | str | bool


@dataclass(frozen=True)
class InputDef:
    """A model input: the case field it comes from, its unit, and how to read it."""

    name: str
    field: str
    unit: str | None
    read: Callable[[Case], tuple[Value | None, str | None]]


def _patient(attr: str) -> Callable[[Case], tuple[Value | None, str | None]]:
    def read(case: Case) -> tuple[Value | None, str | None]:
        value = getattr(case.patient, attr) if case.patient is not None else None
        return value, None

    return read


def _histology(case: Case) -> tuple[Value | None, str | None]:
    if case.histology == "other":
        return None, "histology 'other' cannot be placed in the model's histology groups"
    return case.histology, None


def _nlr(case: Case) -> tuple[Value | None, str | None]:
    p = case.patient
    if p is None or p.neutrophils_10e9_per_l is None or p.lymphocytes_10e9_per_l is None:
        return None, None
    if p.lymphocytes_10e9_per_l == 0:
        return None, "the lymphocyte count is 0, so the ratio is undefined"
    # Two decimals, as a laboratory reports a ratio; boundaries (5, 9) are compared on the rounded value.
    return round(p.neutrophils_10e9_per_l / p.lymphocytes_10e9_per_l, 2), None


def _pci(case: Case) -> tuple[Value | None, str | None]:
    return (case.peritoneal.pci_total if case.peritoneal is not None else None), None


def _effusion(case: Case) -> tuple[Value | None, str | None]:
    return case.pleural_effusion_malignant, None


INPUTS: dict[str, InputDef] = {
    i.name: i
    for i in (
        InputDef("sex", "patient.sex", None, _patient("sex")),
        InputDef("ecog", "patient.ecog", "ECOG 0-4", _patient("ecog")),
        InputDef("wbc", "patient.wbc_10e9_per_l", "10^9/L", _patient("wbc_10e9_per_l")),
        InputDef("diagnosis_confirmed", "patient.histology_confirmed", None, _patient("histology_confirmed")),
        InputDef("histology", "histology", None, _histology),
        InputDef("pleural_ldh", "patient.pleural_fluid_ldh_u_per_l", "IU/L", _patient("pleural_fluid_ldh_u_per_l")),
        InputDef("nlr", "patient.neutrophils_10e9_per_l and patient.lymphocytes_10e9_per_l", "ratio", _nlr),
        InputDef("ki67", "patient.ki67_percent", "%", _patient("ki67_percent")),
        InputDef("pci", "peritoneal.pci (or pci_regions)", "0-39", _pci),
        InputDef("effusion", "pleural_effusion_malignant", None, _effusion),
    )
}


def read_input(case: Case, name: str) -> tuple[Value | None, str | None]:
    """The value of one model input for this case, or ``None`` with the reason it cannot be used."""
    return INPUTS[name].read(case)


@dataclass(frozen=True)
class EvaluationOptions:
    """Choices where the sources disagree or a weight is unverified (see ``prognosis``)."""

    eortc_histology: str = "sarcomatoid"
    unverified_weights: bool = False


_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "==": operator.eq,
    "!=": operator.ne,
}
_RELAXED = {"<": "<=", ">": ">="}


def _holds(cond: Condition, values: dict[str, Value | None], *, relaxed: bool = False) -> bool | None:
    """True, False, or None when the input is missing. ``relaxed`` closes strict bounds (to find a gap's sides)."""
    value = values[cond.input]
    if value is None:
        return None
    if cond.op == "in":
        return value in (cond.values or ())
    op = _RELAXED.get(cond.op, cond.op) if relaxed else cond.op
    try:
        return _OPS[op](value, cond.value)
    except TypeError:
        return False


def _all(conds: Iterable[Condition], values: dict[str, Value | None], *, relaxed: bool = False) -> bool | None:
    states = [_holds(c, values, relaxed=relaxed) for c in conds]
    if False in states:
        return False
    return None if None in states else True


class _Ctx:
    def __init__(self, data: PrognosisData, model: ModelDef, case: Case) -> None:
        self.data, self.model, self.case = data, model, case
        self.values: dict[str, Value | None] = {}
        self.reasons: dict[str, str] = {}
        self.used: list[str] = []
        self.sources: list[str] = []
        self.evidence: Evidence = "primary"

    def value(self, name: str) -> Value | None:
        if name not in self.values:
            value, reason = read_input(self.case, name)
            self.values[name] = value
            if reason:
                self.reasons[name] = reason
        if name not in self.used:
            self.used.append(name)
        return self.values[name]

    def load(self, conds: Iterable[Condition]) -> None:
        for c in conds:
            self.value(c.input)

    def cite(self, key: str) -> str:
        src = self.data.sources[key]
        text = src.cite()
        if text not in self.sources:
            self.sources.append(text)
        if src.kind == "secondary" and self.evidence == "primary":
            self.evidence = "secondary"
        return text

    def inputs(self) -> tuple[ScoreInput, ...]:
        return tuple(
            ScoreInput(name=n, field=INPUTS[n].field, value=self.values.get(n), unit=INPUTS[n].unit) for n in self.used
        )

    def missing(self, names: Iterable[str]) -> tuple[str, ...]:
        return tuple(dict.fromkeys(INPUTS[n].field for n in names))

    def need_message(self, names: Sequence[str]) -> str:
        parts = [INPUTS[n].field + (f" ({self.reasons[n]})" if n in self.reasons else "") for n in names]
        return "cannot be computed: needs " + "; ".join(dict.fromkeys(parts))

    def group(self, g: GroupDef) -> ScoreGroup:
        validation = tuple(
            ValidationOutcome(
                label=v.label,
                outcome=v.outcome(),
                source=self.cite(v.source),
                population=self.data.sources[v.source].population,
            )
            for v in g.validation
        )
        return ScoreGroup(
            name=g.name,
            outcome=g.outcome(),
            source=self.cite(g.source),
            cutoff_source=self.cite(g.cutoff_source) if g.cutoff_source else None,
            note=g.note,
            validation=validation,
        )

    def cautions(self) -> list[str]:
        notes = []
        for c in self.model.cautions:
            self.load(c.when)
            if _all(c.when, self.values):
                notes.append(f"{c.text} ({self.cite(c.source)})")
        return notes


def _by_score(groups: Sequence[GroupDef], score: float) -> GroupDef | None:
    for g in groups:
        above = g.score_above is None or score > g.score_above
        at_most = g.score_at_most is None or score <= g.score_at_most
        if above and at_most:
            return g
    return None


def _by_count(groups: Sequence[GroupDef], count: int) -> GroupDef | None:
    for g in groups:
        if g.factors_above is None and g.factors_at_most is None:
            continue
        above = g.factors_above is None or count > g.factors_above
        at_most = g.factors_at_most is None or count <= g.factors_at_most
        if above and at_most:
            return g
    return None


def _fmt(x: float) -> str:
    return f"{x:g}"


def _finish(ctx: _Ctx, status: str, message: str, **kw: object) -> ScoreResult:
    m = ctx.model
    main = ctx.cite(m.source)
    limits = m.limits
    if m.limits and m.limits_source:
        limits = f"{m.limits} ({ctx.cite(m.limits_source)})"
    sources = (main, *(s for s in ctx.sources if s != main))
    result = ScoreResult(
        model=m.id,
        name=m.name,
        status=status,
        message=message,
        inputs=ctx.inputs(),
        evidence=ctx.evidence,
        population=ctx.data.sources[m.source].population,
        time_zero=m.time_zero,
        limits=limits,
        sources=sources,
        **kw,
    )
    return result.model_copy(update={"plain": score_plain(result, ctx.data.sources[m.source].plain_population)})


def _weighted_sum(ctx: _Ctx, opts: EvaluationOptions) -> ScoreResult:
    m = ctx.model
    items: list[ScoreItem] = []
    missing: list[str] = []
    present_count = 0
    score = 0.0
    exact = True
    notes: list[str] = []
    for f in m.factors:
        variant = f.variants.get(opts.eortc_histology) if m.id == "eortc" else None
        label, when, source = (variant.label, variant.when, variant.source) if variant else (f.label, f.when, f.source)
        ctx.load(when)
        present = _all(when, ctx.values)
        contribution: float | None = 0.0
        if present is None:
            missing.extend(c.input for c in when if ctx.values[c.input] is None)
            contribution = None
        elif present:
            present_count += 1
            if f.weight is not None:
                contribution = f.weight
            elif opts.unverified_weights and f.unverified_weight is not None:
                contribution = f.unverified_weight
                ctx.evidence = "unverified"
                notes.append(f"UNVERIFIED weight used: {f.unverified_weight_note}")
            else:
                contribution = None
                exact = False
            score += contribution or 0.0
        items.append(
            ScoreItem(key=f.key, label=label, present=present, contribution=contribution, source=ctx.cite(source))
        )
    notes = ctx.cautions() + notes
    if missing:
        return _finish(
            ctx, "cannot_compute", ctx.need_message(missing), missing=ctx.missing(missing), items=items, notes=notes
        )
    if exact:
        value = round(score, 2)
        g = _by_score(m.groups, value)
        assert g is not None  # the groups cover every score (checked by the data tests)
        message = f"score {_fmt(value)}: {g.name}"
        return _finish(ctx, "computed", message, score=value, group=ctx.group(g), items=items, notes=notes)
    g = _by_count(m.groups, present_count)
    assert g is not None
    unweighted = ", ".join(i.label for i in items if i.present and i.contribution is None)
    notes.append(
        f"The score itself is not given: the weight of a factor present ({unweighted}) is not printed in any "
        f"source that could be verified. The group follows from the number of factors ({present_count}), as "
        "NCI PDQ states: 0-2 factors = low risk, 3-5 = high risk."
    )
    message = f"{present_count} risk factors: {g.name} (score not computed: unverified weight)"
    return _finish(ctx, "computed", message, group=ctx.group(g), items=items, notes=notes)


def _points(ctx: _Ctx) -> ScoreResult:
    m = ctx.model
    items: list[ScoreItem] = []
    missing: list[str] = []
    low = high = 0
    gaps: list[str] = []
    for comp in m.components:
        src = ctx.cite(comp.source)
        if comp.constant_points is not None:
            low += comp.constant_points
            high += comp.constant_points
            items.append(
                ScoreItem(
                    key=comp.key,
                    label=comp.label,
                    band=comp.constant_label,
                    contribution=comp.constant_points,
                    source=src,
                )
            )
            continue
        for b in comp.bands:
            ctx.load(b.when)
        matched = [b for b in comp.bands if _all(b.when, ctx.values)]
        if any(_all(b.when, ctx.values) is None for b in comp.bands):
            missing.extend(c.input for b in comp.bands for c in b.when if ctx.values[c.input] is None)
            items.append(ScoreItem(key=comp.key, label=comp.label, source=src))
            continue
        if len(matched) == 1:
            b = matched[0]
            low += b.points
            high += b.points
            items.append(ScoreItem(key=comp.key, label=comp.label, band=b.label, contribution=b.points, source=src))
            continue
        sides = [b for b in comp.bands if _all(b.when, ctx.values, relaxed=True)]
        points = sorted(b.points for b in sides)
        low += points[0]
        high += points[-1]
        value = ctx.values[comp.input] if comp.input else None
        gaps.append(f"{comp.label} {value}: the source gives {' or '.join(str(p) for p in points)} points")
        items.append(ScoreItem(key=comp.key, label=comp.label, band="on the boundary", source=src))
    notes = ctx.cautions()
    if missing:
        return _finish(
            ctx, "cannot_compute", ctx.need_message(missing), missing=ctx.missing(missing), items=items, notes=notes
        )
    if low == high:
        g = _by_score(m.groups, low)
        assert g is not None
        message = f"score {low}: {g.name}"
        return _finish(ctx, "computed", message, score=float(low), group=ctx.group(g), items=items, notes=notes)
    g_low, g_high = _by_score(m.groups, low), _by_score(m.groups, high)
    assert g_low is not None
    assert g_high is not None
    same = g_low.name == g_high.name
    message = f"score {low} or {high} ({'; '.join(gaps)}): " + (
        g_low.name if same else f"{g_low.name} or {g_high.name}; the group cannot be given"
    )
    return _finish(
        ctx,
        "ambiguous",
        message,
        score_range=(float(low), float(high)),
        group=ctx.group(g_low) if same else None,
        items=items,
        notes=notes,
    )


def _groups(ctx: _Ctx) -> ScoreResult:
    m = ctx.model
    for g in m.groups:
        ctx.load(g.when)
    states = [(g, _all(g.when, ctx.values)) for g in m.groups]
    matched = [g for g, s in states if s]
    score = ctx.value(m.score_input) if m.score_input else None
    score_value = float(score) if isinstance(score, int | float) and not isinstance(score, bool) else None
    notes = ctx.cautions()
    if matched:
        g = matched[0]
        shown = f"{m.score_input.upper()} {_fmt(score_value)}: " if m.score_input and score_value is not None else ""
        return _finish(ctx, "computed", shown + g.name, score=score_value, group=ctx.group(g), notes=notes)
    undecided = [g for g, s in states if s is None]
    missing = [c.input for g in undecided for c in g.when if ctx.values[c.input] is None]
    return _finish(ctx, "cannot_compute", ctx.need_message(missing), missing=ctx.missing(missing), notes=notes)


def evaluate_model(data: PrognosisData, model_id: str, case: Case, opts: EvaluationOptions) -> ScoreResult:
    """Apply one model to one case. Never raises for clinical input: a missing input gives ``cannot_compute``."""
    m = data.models[model_id]
    ctx = _Ctx(data, m, case)
    if case.site not in m.applies_to:
        reason = m.not_applicable_reason or f"{m.name} does not apply to a primary of the {case.site}."
        return _finish(ctx, "not_applicable", f"not applicable: {reason}")
    if m.requires:
        ctx.load(m.requires)
        state = _all(m.requires, ctx.values)
        if state is False:
            return _finish(ctx, "not_applicable", f"not applicable: needs {m.requires_text}")
        if state is None:
            names = [c.input for c in m.requires if ctx.values[c.input] is None]
            return _finish(
                ctx,
                "cannot_compute",
                f"cannot be computed: needs {m.requires_text}",
                missing=ctx.missing(names),
            )
    if m.kind == "weighted_sum":
        return _weighted_sum(ctx, opts)
    if m.kind == "points":
        return _points(ctx)
    return _groups(ctx)
