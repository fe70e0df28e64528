"""Blood-count and organ-function thresholds in criteria: read them, convert to the case field's unit, check them.

The tests, their words, case fields and unit factors are data (``data/labs.toml``, each with its source). A
threshold reads ``{"analyte": "neutrophils", "op": ">=", "value": 1.5}`` in the case field's unit, or
``{"uln": 1.5}`` for a multiple of the lab's upper limit of normal. A criterion that joins two thresholds with
"or" ("creatinine <= 1.5 x ULN OR creatinine clearance >= 60 mL/min") holds when either does; a threshold with a
condition after it ("... for patients with creatinine above normal", "<= 5 x ULN if liver metastases") is never
taken as not met, only as "not enough information".
"""

from __future__ import annotations

import functools
import itertools
import re
import tomllib
from dataclasses import dataclass
from dataclasses import field as dc_field
from importlib import resources
from typing import Any

__all__ = [
    "Analyte",
    "analytes",
    "check_lab",
    "check_organ_disease",
    "check_organ_function",
    "lab_facts",
    "organ_disease_fact",
    "organ_function_fact",
]


@dataclass(frozen=True)
class Analyte:
    name: str
    field: str
    uln_field: str | None
    plain: str
    terms: tuple[str, ...]
    units: dict[str, float]
    bare_below: float
    bare_small: float
    bare_large: float
    source: str
    ambiguous_below: float = 0.0
    #: unit as written -> (factor as written, factor of the unit surely meant): a unit slip (labs.toml)
    slips: dict[str, tuple[float, float]] = dc_field(default_factory=dict)


@functools.cache
def _data() -> tuple[dict[str, Analyte], dict[str, tuple[str, ...]], re.Pattern[str], dict[str, str]]:
    raw = tomllib.loads(resources.files("mesostage.trials").joinpath("data", "labs.toml").read_text(encoding="utf-8"))
    found: dict[str, Analyte] = {}
    for name, a in raw["analytes"].items():
        found[name] = Analyte(
            name=name,
            field=a["field"],
            uln_field=a.get("uln_field"),
            plain=a["plain"],
            terms=tuple(a["terms"]),
            units={k.lower(): float(v) for k, v in a["units"].items()},
            bare_below=float(a["bare"]["below"]),
            bare_small=float(a["bare"]["small"]),
            bare_large=float(a["bare"]["large"]),
            ambiguous_below=float(a["bare"].get("ambiguous_below", 0.0)),
            source=a["source"],
            slips={k.lower(): (float(v[0]), float(v[1])) for k, v in a.get("slips", {}).items()},
        )
    term_to: dict[str, tuple[str, ...]] = {}
    for name, a in found.items():
        for t in a.terms:
            term_to[t] = (name,)
    for g in raw["groups"].values():
        for t in g["terms"]:
            term_to[t] = tuple(g["analytes"])
    alternatives = sorted((re.escape(t) for t in term_to), key=len, reverse=True)
    pattern = re.compile(r"(?<![\w/-])(?:" + "|".join(alternatives) + r")(?![\w])")
    return found, term_to, pattern, dict(raw["sources"])


def analytes() -> dict[str, Analyte]:
    return _data()[0]


_OPS: tuple[tuple[str, str], ...] = (
    (
        r">=|=>|greater than or equal to|greater than or equal|equal to or greater than|at least|of at least|"
        r"minimum of|no less than|not less than|no lower than|not lower than|not below",
        ">=",
    ),
    (
        r"<=|=<|less than or equal to|equal to or less than|at most|no more than|not more than|not greater than|"
        r"no greater than|no higher than|not higher than|not to exceed|not exceeding|does not exceed|maximum of|"
        r"up to|within",
        "<=",
    ),
    (r">|greater than|more than|higher than|above|exceeding|over", ">"),
    (r"<|less than|lower than|below|under", "<"),
)
_OP = re.compile(r"(?:" + "|".join(f"(?P<op{i}>{p})" for i, (p, _) in enumerate(_OPS)) + r")")
_NUMBER = r"(?P<num>\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?|\.\d+)"
_ULN = re.compile(
    # "a total bilirubin level <= 1.5x of upper limit of normal (ULN)" (NCT03468751): "x of" the limit
    r"^\s*(?:x|\u00d7|\*|times|fold)?\s*(?:of\s+)?(?:the\s+)?(?:institutional\s+|local\s+)?"
    r"(?:uln|unl|iuln|upper limits? of (?:the\s+)?normal|upper normal limits?|the upper limit|normal upper limit|"
    r"(?:institutional\s+)?(?:upper\s+)?normal limits?|upper limits?)"
)
_UNIT = re.compile(
    r"^\s*(?P<unit>(?:[x\u00d7*]\s*10\s*\^?\s*(?:9|3)\s*/\s*[l\u00b5\u03bcu]?\w*|10\s*\^?\s*(?:9|3)\s*/\s*\w+|"
    r"(?:cells\s*)?/\s*(?:mm\s*\^?\s*3|mm\u00b3|[\u00b5\u03bcu]l)|[\u00b5\u03bcu]?mol/l|micromol/l|mmol/l|mg/dl|g/dl|g/l|"
    r"(?:i?u)/l|ml/min(?:ute)?(?:\s*/\s*1\.73\s*m\s*\^?\s*[2\u00b2])?))"
)
_CONDITION = re.compile(
    r"^[^;]{0,80}?\b(?:if|unless|for (?:patients?|participants?|subjects?) with|in (?:patients?|"
    r"participants?|subjects?|the presence of|case of|those) with|when|in presence of)\b"
)
_OR = re.compile(r"\bor\b")
#: a test named inside the condition of another one: "... >= 60 mL/min for subject with creatinine levels > 1.5 X
#: institutional ULN" (NCT02959463), "(except subjects with Gilbert Syndrome, who can have total bilirubin < 3.0 mg/dL)"
_IN_CONDITION = re.compile(
    r"(?:\b(?:for|in)\s+(?:patients?|participants?|subjects?|those|women|men)\s+with|"
    r"\bwho\s+(?:can|may|must|should)\s+have)\s+(?:(?:the|a|an|known|documented|serum|plasma|total|direct|"
    r"baseline)\s+)*$"
)


_NORMAL = re.compile(
    r"^\s*(?:levels?\s+)?(?:(?:is|must be|should be)\s+)?(?:normal|within (?:the )?(?:institutional )?normal "
    r"(?:range|limits)|wnl)\b(?!\s*to\b)"
)


def _op(m: re.Match[str]) -> str:
    for i, (_, op) in enumerate(_OPS):
        if m.group(f"op{i}"):
            return op
    raise AssertionError("no operator group matched")


def lab_facts(t: str) -> list[dict[str, Any]]:
    """The lab thresholds of a prepared (lower-case) criterion text, as facts of type ``lab``."""
    found, term_to, pattern, _ = _data()
    # "g / dl", "/ mm 3", "x 109/l" (10^9 with the caret lost), "6,0 mmol/l" (a decimal comma)
    t = re.sub(r"\s*/\s*", "/", t)
    t = re.sub(r"\bmm 3\b", "mm3", t)
    t = re.sub(r"/mcl\b", "/ul", t)  # "100,000 /mcL" (NCT02959463): per microlitre
    t = re.sub(r"\b10(9|3)/", r"10^\1/", t)
    t = re.sub(r"(?<![\d,])(\d{1,2}),(\d{1,2})(?![\d,])", r"\1.\2", t)
    tests: list[tuple[int, int, dict[str, Any]]] = []
    for m in pattern.finditer(t):
        names = term_to[m.group(0)]
        if _IN_CONDITION.search(t[max(0, m.start() - 60) : m.start()]):
            continue  # the condition of another threshold, not a threshold of its own
        tail = t[m.end() : m.end() + 70]
        if normal := _NORMAL.match(tail):
            # "Bilirubin normal" (NCT00002608), "Creatinine normal" (NCT00003034): at most the upper limit of normal
            tests += [
                (m.start(), m.end() + normal.end(), {"op": "<=", "uln": 1.0, "conditional": False, "analyte": name})
                for name in names
                if found[name].uln_field is not None
            ]
            continue
        # skip "(ANC)", "(ULN)", "count" and similar filler between the name and the operator
        op = _OP.search(tail)
        if op is None or re.search(r"[;.](?:\s|$)", tail[: op.start()]) or op.start() > 40:
            continue
        if pattern.search(tail[: op.start()]):
            continue  # another test's name comes first: that one owns the threshold
        rest = tail[op.end() :]
        num = re.match(r"\s*" + _NUMBER, rest)
        if num is None and _ULN.match(rest):
            # "total serum bilirubin < UNL" (NCT01211275): the upper limit itself
            rest = " 1 x " + rest.lstrip()
            num = re.match(r"\s*" + _NUMBER, rest)
        if num is None:
            continue
        value = float(num.group("num").replace(",", ""))
        after = rest[num.end() :]
        test: dict[str, Any] = {"op": _op(op)}
        if uln := _ULN.match(after):
            test["uln"] = value
            end = num.end() + uln.end()
        else:
            unit = _UNIT.match(after)
            end = num.end() + (unit.end() if unit else 0)
            test["unit_written"] = re.sub(r"\s+", "", unit.group("unit")) if unit else None
            test["raw"] = value
        test["conditional"] = bool(_CONDITION.match(rest[end:]))
        start = m.start()
        stop = m.end() + op.end() + end
        for name in names:
            a = found[name]
            one = dict(test, analyte=name)
            if "raw" in one:
                raw, written = one.pop("raw"), one.pop("unit_written")
                converted = _convert(a, raw, written)
                slip = a.slips.get(_plain_unit(written)) if converted is None and written else None
                if slip is not None:
                    # both readings are kept: as written, and in the unit surely meant (check_lab)
                    one["value"], one["unit_assumed"] = round(raw * slip[0], 4), False
                    one["slip"] = {"written": f"{_fmt(raw)} {written}", "meant": round(raw * slip[1], 4)}
                    converted = (one["value"], False)
                if converted is None:
                    continue
                one["value"], one["unit_assumed"] = converted
            else:
                one.pop("unit_written", None)
                if a.uln_field is None:
                    continue  # "x ULN" of a count: not a threshold the case can hold
            tests.append((start, stop, one))
    if not tests:
        return []
    # "A ... OR B ...": either threshold will do; otherwise each threshold is its own fact.
    facts: list[dict[str, Any]] = []
    group: list[dict[str, Any]] = [tests[0][2]]
    for (_, prev_stop, _), (start, _, test) in itertools.pairwise(tests):
        between = t[prev_stop:start]
        if start >= prev_stop and _OR.search(between) and len(between) < 40 and not re.search(r"[;.]\s", between):
            group.append(test)
        else:
            facts.append({"type": "lab", "any_of": group})
            group = [test]
    facts.append({"type": "lab", "any_of": group})
    return facts


_UNIT_CHARS = str.maketrans({"\u00b5": "u", "\u03bc": "u", "\u00b3": "3", "\u00b2": "2", "\u00d7": "x"})


def _plain_unit(unit: str) -> str:
    return unit.lower().translate(_UNIT_CHARS)


def _convert(a: Analyte, value: float, unit: str | None) -> tuple[float, bool] | None:
    if unit is None and value < a.ambiguous_below:
        return None  # "AST < 2.5" is a multiple of the upper limit with its words lost, not 2.5 U/L
    if unit is None:
        factor = a.bare_small if value < a.bare_below else a.bare_large
        return round(value * factor, 4), True
    key = _plain_unit(unit)
    for written, factor in a.units.items():
        w = _plain_unit(written)
        if key == w or key == w.replace("^", ""):
            return round(value * factor, 4), False
    return None  # a unit this test is not measured in: not a threshold on it


_WORD = {">=": "at least", ">": "above", "<=": "at most", "<": "below"}


def _holds(value: float, op: str, limit: float) -> bool:
    return {">=": value >= limit, ">": value > limit, "<=": value <= limit, "<": value < limit}[op]


def _fmt(x: float) -> str:
    return f"{x:g}"


def _unit_of(field: str) -> str:
    for suffix, unit in (
        ("_10e9_per_l", "x10^9/L"),
        ("_g_per_l", "g/L"),
        ("_umol_per_l", "umol/L"),
        ("_u_per_l", "U/L"),
        ("_ml_per_min", "mL/min"),
    ):
        if field.endswith(suffix):
            return unit
    return ""


def check_lab(test: dict[str, Any], values: dict[str, float]) -> tuple[str, str]:
    """("yes" | "no" | "unknown" | "ask", reason) for one threshold against the case's values (field name -> value);
    "ask" when the person's value misses the limit but a condition written after it may let them in."""
    a = analytes()[test["analyte"]]
    op = test["op"]
    if "uln" in test:
        want = f"{a.plain} {_WORD[op]} {_fmt(test['uln'])} x the upper limit of normal"
        value, uln = values.get(a.field), values.get(a.uln_field or "")
        if value is None:
            return "unknown", f"not enough information: needs your {a.plain} ({want})"
        if uln is None:
            return "unknown", f"not enough information: needs the lab's upper limit of normal for {a.plain} ({want})"
        ok = _holds(value / uln, op, test["uln"])
        mine = f"yours is {_fmt(round(value / uln, 2))} x the upper limit"
    else:
        unit = _unit_of(a.field)
        assumed = " (unit not written; read as " + unit + ")" if test.get("unit_assumed") else ""
        want = f"{a.plain} {_WORD[op]} {_fmt(test['value'])} {unit}{assumed}"
        value = values.get(a.field)
        if value is None:
            return "unknown", f"not enough information: needs your {a.plain} ({want})"
        ok = _holds(value, op, test["value"])
        mine = f"yours is {_fmt(value)} {unit}"
        if slip := test.get("slip"):
            want = (
                f"{a.plain} {_WORD[op]} {slip['written']} as written, most likely meaning {_fmt(slip['meant'])} {unit} "
                "(the unit looks like a slip)"
            )
            if _holds(value, op, slip["meant"]) != ok:
                return "unknown", f"check first: {want}; {mine}, which the two readings decide differently"
    if not ok and test.get("conditional"):
        return "ask", f"{want}; {mine}, but the limit depends on a condition the team must check"
    return ("yes" if ok else "no"), f"{want}; {mine}"


# ------------------------------------------------------------------------ "adequate organ function", no limits


@functools.cache
def _systems(table: str) -> tuple[dict[str, dict[str, Any]], str]:
    raw = tomllib.loads(resources.files("mesostage.trials").joinpath("data", "labs.toml").read_text(encoding="utf-8"))
    systems = {k: v for k, v in raw[table].items() if isinstance(v, dict)}
    return systems, str(raw[table]["source"])


def _adequate() -> tuple[dict[str, dict[str, Any]], str]:
    return _systems("adequate")


_ADEQUATE = re.compile(
    r"\b(?:adequate|sufficient|acceptable|normal)\b(?P<what>[a-z ,/&-]{0,60}?)\b(?:organ )?(?:function|reserve)s?\b|"
    # "Main organs function is normal" (NCT03460457), "The functional level of important organs must meet the
    # requirements" (NCT04296994): the same, written the other way round
    r"\b(?:main |major |important |vital )?organs?(?: function| functional level)? (?:is |are )?(?:normal|adequate)\b|"
    r"\bfunctional level of (?:the )?(?:main |major |important |vital )?organs? must meet"
)
#: the limits follow in sub-items or after the words: "... including the following:", "... as defined below"
_LIMITS_FOLLOW = re.compile(r"following|defined below|as defined|as evidenced|as indicated|as follows|:\s*$|\bby\b")


def organ_function_fact(t: str) -> dict[str, Any] | None:
    """``{"type": "organ_function", "systems": [...]}`` for "adequate (hepatic, renal, ...) organ function" written
    without limits, in a prepared (lower-case) text; None when the criterion writes its limits (those are ``lab``
    facts) or says they follow."""
    m = _ADEQUATE.search(t)
    if m is None or _LIMITS_FOLLOW.search(t[m.end() :]) or lab_facts(t):
        return None
    words = m.group(0)
    systems, _ = _adequate()
    # "sufficient viscera function and bone marrow function" (NCT04734067): the viscera are the organs
    words = re.sub(r"\bviscera\w*", "organ", words)
    named = [name for name, sys in systems.items() if any(re.search(rf"\b{w}\b", words) for w in sys["terms"])]
    if not named and "organ" not in words:
        return None  # "normal cardiac function", "adequate pulmonary function": not blood tests
    return {"type": "organ_function", "systems": named or list(systems)}


def _missed(table: str, names: list[str], values: dict[str, float]) -> tuple[list[str], bool]:
    """The results that miss a table's limits for these organ systems, and whether any needed result is missing."""
    systems, _ = _systems(table)
    missed: list[str] = []
    unknown = False
    for name in names:
        sys = systems[name]
        if "all_of" in sys:
            got = [check_lab(test, values) for test in sys["all_of"]]
            missed += [r for v, r in got if v == "no"]
            unknown = unknown or any(v == "unknown" for v, _ in got)
        else:
            got = [check_lab(test, values) for test in sys["any_of"]]
            if all(v == "no" for v, _ in got):
                missed.append(" and ".join(r for _, r in got))
            elif not any(v == "yes" for v, _ in got):
                unknown = True
    return missed, unknown


def check_organ_function(fact: dict[str, Any], values: dict[str, float]) -> tuple[str, str]:
    """("ask" | "unknown", reason): never met or not met, the trial's limits are not written. "ask" when a result
    misses the usual limits (``[adequate]`` in labs.toml), so the study team must say whether it is adequate."""
    missed, unknown = _missed("adequate", fact["systems"], values)
    if missed:
        return (
            "ask",
            "the trial writes no limits, and a result of yours is outside those most trials use (NCI template): "
            + "; ".join(missed)
            + ": the study team must say whether it is adequate",
        )
    if unknown:
        return "unknown", "the trial writes no limits: needs your blood tests, and the study team's limits"
    return "unknown", "the trial writes no limits; your results are within those most trials use (NCI template)"


# --------------------------------------------------------------- kidney or liver disease named without limits

_ORGAN_DISEASE = re.compile(
    r"\b(?P<a>renal|kidney|hepatic|liver)(?: (?:or|and|and/or) (?P<b>renal|kidney|hepatic|liver))? "
    r"(?:disease|dysfunction|impairment|insufficiency|failure)"
)


def organ_disease_fact(t: str) -> dict[str, Any] | None:
    """``{"type": "organ_disease", "systems": [...], "present": bool}`` for "(severe) renal or liver disease" written
    without limits (a prepared, lower-case text); None when the criterion writes its limits."""
    m = _ORGAN_DISEASE.search(t)
    if m is None or lab_facts(t) or re.search(r"\b(?:adequate|normal|sufficient)\b", t[: m.start()]):
        return None
    if re.search(r"\b(?:unless|except|if|absence|in case of|due to|caused by)\b|\buln\b|\bunl\b|\d", t[: m.start()]):
        # "AP < 5xUNL (unless bone metastases are present in the absence or any liver disease)" (NCT01211275): a
        # condition on another limit, not a criterion about the disease
        return None
    systems, _ = _systems("organ_disease")
    named = [name for name, sys in systems.items() if any(w in (m.group("a"), m.group("b")) for w in sys["terms"])]
    before = t[max(0, m.start() - 40) : m.start()]
    negated = bool(re.search(r"(?:\bno\b|\bwithout\b|\bfree of\b|\babsence of\b)[^,;.]{0,30}$", before))
    return {"type": "organ_disease", "systems": named, "present": not negated}


def check_organ_disease(fact: dict[str, Any], values: dict[str, float]) -> tuple[str, str]:
    """("yes" | "no" | "ask" | "unknown", reason): whether the person has the disease *as the criterion states it*
    ("yes" for "No renal disease" means they have none). Decided from the results (``[organ_disease]``)."""
    missed, unknown = _missed("organ_disease", fact["systems"], values)
    words = " or ".join({"kidney": "kidney", "liver": "liver"}[s] for s in fact["systems"])
    if missed:
        return "ask", f"{words} disease: " + "; ".join(missed) + ": the study team decides whether it counts"
    if unknown:
        return "unknown", f"{words} disease: needs your {words} blood tests"
    # normal results: no such disease, so "No renal disease" holds and "Severe renal disease" does not
    tests = " and ".join({"kidney": "kidney", "liver": "liver"}[s] for s in fact["systems"])
    return ("no" if fact["present"] else "yes"), f"{words} disease: your {tests} blood tests are normal"
