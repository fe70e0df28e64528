"""Rule-based parsing of eligibility text into criteria, each with the typed facts it states.

Splitting handles the layouts real records use: ``Inclusion Criteria:`` / ``Exclusion Criteria:`` (also "Key ..."),
the old NCI/PDQ headings (``DISEASE CHARACTERISTICS:`` ...), ``*`` / ``-`` / ``•`` bullets, numbered and lettered
items, nested sub-items (kept with their parent as context), continuation lines and escaped brackets (``\\[``).

A fact is a small JSON-ready dict, e.g. ``{"type": "ecog", "allowed": [0, 1], "uncertain": []}``. Each states
something about the person ("ECOG is 0 or 1", "has had immunotherapy", "has brain metastases"); whether an
inclusion criterion is met or an exclusion applies is decided later against the person (``evaluate.py``). Text that
no rule recognises stays a criterion of type ``other`` and is reported as "not enough information".
The medical vocabulary (drug classes, ECOG-Karnofsky table, histology and contraindication terms) is data:
``data/vocabulary.toml``, each entry with its source.
"""

from __future__ import annotations

import functools
import re
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from typing import Any, Literal

__all__ = [
    "CRITERION_TYPES",
    "Criterion",
    "Vocabulary",
    "extract_facts",
    "normalise",
    "parse_eligibility",
    "split_criteria",
    "vocabulary",
]

Kind = Literal["inclusion", "exclusion"]
Fact = dict[str, Any]

#: Criterion types, in the order a criterion's main type is chosen when it states several facts.
CRITERION_TYPES: tuple[str, ...] = (
    "site",
    "histology",
    "stage",
    "resectability",
    "lines",
    "prior_agent",
    "progression",
    "ecog",
    "measurable",
    "brain_mets",
    "contraindication",
    "age",
    "pregnancy",
    "diagnosis_confirmed",
    "other",
)


@dataclass(frozen=True)
class Vocabulary:
    classes: dict[str, tuple[str, ...]]
    class_labels: dict[str, str]
    agents: dict[str, tuple[str, ...]]  # agent -> classes
    agent_terms: dict[str, tuple[str, ...]]
    kps_by_ecog: dict[int, tuple[int, int]]
    histology_terms: dict[str, tuple[str, ...]]
    non_epithelioid_terms: tuple[str, ...]
    contraindication_terms: dict[str, tuple[str, ...]]
    sources: dict[str, str]
    any_subtype_terms: tuple[str, ...] = ()
    pdq_headings: tuple[str, ...] = ()
    pdq_sub_labels: tuple[str, ...] = ()
    empty_texts: tuple[str, ...] = ()
    other_cancers: tuple[str, ...] = ()
    term_patterns: dict[str, re.Pattern[str]] = field(default_factory=dict)


def _words(terms: tuple[str, ...] | list[str]) -> re.Pattern[str]:
    alternatives = sorted((re.escape(t) for t in terms), key=len, reverse=True)
    return re.compile(r"(?<![\w-])(?:" + "|".join(alternatives) + r")(?![\w])", re.IGNORECASE)


@functools.cache
def vocabulary() -> Vocabulary:
    """The parser's vocabulary, read once from ``data/vocabulary.toml``."""
    raw = tomllib.loads(
        resources.files("mesostage.trials").joinpath("data", "vocabulary.toml").read_text(encoding="utf-8")
    )
    ps = raw["performance_status"]
    voc = Vocabulary(
        classes={k: tuple(v["terms"]) for k, v in raw["classes"].items()},
        class_labels={k: v["label"] for k, v in raw["classes"].items()},
        agents={k: tuple(v["classes"]) for k, v in raw["agents"].items()},
        agent_terms={k: tuple(v["terms"]) for k, v in raw["agents"].items()},
        kps_by_ecog={int(k): (int(v[0]), int(v[1])) for k, v in ps["kps_by_ecog"].items()},
        histology_terms={
            k: tuple(v) + tuple(raw["histology_synonyms"].get(k, ())) for k, v in raw["histology"]["terms"].items()
        },
        non_epithelioid_terms=tuple(raw["histology"]["non_epithelioid"]),
        contraindication_terms={k: tuple(v["terms"]) for k, v in raw["contraindications"].items()},
        sources=dict(raw["sources"]),
        any_subtype_terms=tuple(raw["histology_synonyms"]["any_subtype"]),
        pdq_headings=tuple(raw["sections"]["headings"]),
        pdq_sub_labels=tuple(raw["sections"]["sub_labels"]),
        empty_texts=tuple(raw["sections"]["empty"]),
        other_cancers=tuple(raw["other_cancers"]["terms"]),
    )
    for name, terms in voc.classes.items():
        voc.term_patterns[f"class:{name}"] = _words(terms)
    for name, terms in voc.agent_terms.items():
        if terms:
            voc.term_patterns[f"agent:{name}"] = _words(terms)
    for name, terms in voc.contraindication_terms.items():
        voc.term_patterns[f"contra:{name}"] = _words(terms)
    for name, terms in voc.histology_terms.items():
        voc.term_patterns[f"hist:{name}"] = _words(terms)
    voc.term_patterns["hist:non_epithelioid"] = _words(voc.non_epithelioid_terms)
    voc.term_patterns["hist:any"] = _words(voc.any_subtype_terms)
    voc.term_patterns["other_cancer"] = _words(voc.other_cancers)
    return voc


# ----------------------------------------------------------------------------------------------------- splitting


@dataclass(frozen=True)
class Criterion:
    """One criterion: its section, its text as written, and the text of the item it is nested under."""

    kind: Kind
    text: str
    context: str | None = None
    facts: tuple[Fact, ...] = ()

    @functools.cached_property
    def type(self) -> str:
        """The criterion's main type: the first of :data:`CRITERION_TYPES` among its facts."""
        types = {f["type"] for f in self.facts}
        return next((t for t in CRITERION_TYPES if t in types), "other")

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "text": self.text, "context": self.context, "facts": list(self.facts)}

    @staticmethod
    def from_dict(d: dict[str, Any]) -> Criterion:
        return Criterion(kind=d["kind"], text=d["text"], context=d.get("context"), facts=tuple(d.get("facts", ())))


_ESCAPED = re.compile(r"\\([\[\]<>*_~#()\-.+!|=])")
_HEADING = re.compile(
    r"^\W*(?:key\s+|main\s+|major\s+|general\s+|other\s+)?(?P<kind>inclusion|exclusion|eligibility)"
    r"(?:\s+criteria|\s+criterion)?\s*(?:\([^)]*\))?\s*[:.\-]?\s*(?P<rest>.*)$",
    re.IGNORECASE,
)
_PDQ = re.compile(
    r"^\W*(?P<name>disease characteristics|patient characteristics|prior concurrent therapy|"
    r"concurrent therapy|prior therapy)\s*:\s*(?P<rest>.*)$",
    re.IGNORECASE,
)
_EXCLUDED_INTRO = re.compile(
    r"^\W*(?:patients|subjects|participants)\s+(?:will be excluded|are not eligible|must not)", re.IGNORECASE
)
_BULLET = re.compile(
    r"^(?P<indent>\s*)(?P<mark>[*\-•·◦▪●○+]|\d{1,2}[.)](?!\d)|\(\d{1,2}\)|[a-zA-Z][.)](?=\s)|\([a-zA-Z]\)|"
    r"\(?(?:i|ii|iii|iv|v|vi|vii|viii|ix|x)[.)](?=\s))\s+(?P<text>.*)$"
)


def normalise(text: str) -> str:
    """Unescape the markdown escapes the API adds (``\\[``, ``\\>``) and unify dashes and spaces."""
    text = _ESCAPED.sub(r"\1", text.replace("\r\n", "\n").replace("\r", "\n"))
    for a, b in (("\u00a0", " "), ("\u2013", "-"), ("\u2014", "-"), ("\u2212", "-"), ("\u2010", "-"), ("\t", "    ")):
        text = text.replace(a, b)
    return text


@dataclass
class _Item:
    kind: Kind
    indent: int
    text: str
    children: list[_Item] = field(default_factory=list)
    parent: _Item | None = None
    closed: bool = False
    marker: str = ""  # "num", "alpha", "roman", "sym" or "" (no bullet)
    number: int = 0
    wrapped: bool = False  # its last line was long: a hard-wrapped layout


#: Raw lines at least this long are taken as hard-wrapped (classic ClinicalTrials.gov text wraps at 70-90).
_WRAP_WIDTH = 60


def _continues(item: _Item, line: str, blank_before: bool) -> bool:
    """A line without a bullet continues the open item when it is indented under it, follows it directly and
    starts in lower case (a wrapped sentence), or follows a long line that did not end a sentence (a hard-wrapped
    layout); otherwise it is a criterion of its own (paragraph layout)."""
    if blank_before or item.text.endswith(":"):
        return False
    indent = len(line) - len(line.lstrip())
    if indent > item.indent:
        return True
    first = line.lstrip()[:1]
    if first.islower() or first in "(,;&" or first.isdigit():
        return True
    return item.wrapped and not item.text.endswith((".", ";"))


def _marker(mark: str) -> tuple[str, int]:
    m = mark.strip("().")
    if m.isdigit():
        return "num", int(m)
    if m.lower() in ("i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x") and m.lower() != "v":
        return "roman", ("i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x").index(m.lower()) + 1
    if len(m) == 1 and m.isalpha():
        return "alpha", ord(m.lower()) - ord("a") + 1
    return "sym", 0


def _parent_for(stack: list[_Item], indent: int, marker: str, number: int) -> list[_Item]:
    """The open items the new bullet nests under (the stack after it is placed, without it).

    Real records often keep every level at the same indent: a numbered list restarting at 1 under item 3
    (NCT04577326), letters under a number, numbers under a dash item that ends with ":" (NCT02414269). Such
    items are children; a number that continues an open list (4 after 3) closes the nested ones."""
    stack = list(stack)
    while stack and stack[-1].indent > indent:
        stack.pop()
    if stack and stack[-1].marker == "label" and stack[-1].indent <= indent:
        return stack  # the items under a PDQ sub-label ("Hepatic" / "- Bilirubin ...")
    # a number continuing a list further up closes the nested lists
    for depth in range(len(stack) - 1, -1, -1):
        it = stack[depth]
        if it.indent == indent and it.marker == marker and marker in ("num", "alpha", "roman"):
            if number == it.number + 1:
                return stack[:depth]
    if stack and stack[-1].indent == indent:
        top = stack[-1]
        nests = (
            (marker == "num" and number == 1 and top.marker in ("num", "sym") and not top.children)
            or (marker in ("alpha", "roman") and number == 1 and top.marker in ("num", "sym"))
            or (marker in ("num", "alpha") and number == 1 and top.text.endswith(":"))
        )
        if nests:
            return stack
        while stack and stack[-1].indent >= indent and stack[-1].marker != "label":
            stack.pop()
    return stack


_INLINE_HEADING = re.compile(
    r"(?<=\S)(?<!key)(?<!main)[ \t]+(?=(?:key\s+|main\s+)?(?:inclusion|exclusion)\s+criteria\s*:)", re.IGNORECASE
)
_COLLAPSED_BULLET = re.compile(r"(?:(?<=^)|(?<=[\w.;:)%\]]))[ \t]+\*[ \t]+(?=\S)")
_INLINE_NUMBER = re.compile(r"(?<=[;.])[ \t]+(?=\d{1,2}\.[ \t]+[A-Z])")
_FUNCTION_WORDS = frozenset(
    "a an the of on in by per to with and or for as at from than via using including e.g i.e".split()
)


@functools.cache
def _pdq_patterns() -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    voc = vocabulary()
    headings = "|".join(re.escape(h) for h in voc.pdq_headings)
    inline = re.compile(r"(?<=[^A-Z\s])[ \t]+(?=(?:" + headings + r")\s*:)")
    labels = "|".join(sorted((re.escape(x) for x in voc.pdq_sub_labels), key=len, reverse=True))
    # a sub-label is written capitalised, followed by ":" or by the capitalised start of its text
    sub = re.compile(r"(?:(?<=^)|(?<=\s))(?P<label>" + labels + r")(?::\s*|\s+(?=[A-Z0-9]))")
    empty = re.compile(r"^(?:" + "|".join(re.escape(e) for e in voc.empty_texts) + r")\W*$", re.IGNORECASE)
    return inline, sub, empty


def _run_on_pieces(body: str) -> list[str]:
    """Split one PDQ run-on section body ("Age: Not specified Performance status: WHO 0-2 ... Hematopoietic: WBC
    greater than 3,000/mm3 Neutrophil count greater than 1,500/mm3") into criteria: at the section's sub-labels,
    then where a capitalised word starts after a word that ends a phrase (not after "of", "by", ... nor after
    another capitalised word, so "British Thoracic Society" stays whole)."""
    _, sub, empty = _pdq_patterns()
    pieces: list[str] = []
    label = ""
    parts = [(m.start(), m.end(), m.group("label")) for m in sub.finditer(body)]
    segments: list[tuple[str, str]] = []
    cursor, current = 0, ""
    for start, end, name in parts:
        segments.append((current, body[cursor:start]))
        current, cursor = name, end
    segments.append((current, body[cursor:]))
    for label, seg in segments:
        words = seg.split()
        piece: list[str] = []
        for i, w in enumerate(words):
            prev = words[i - 1] if i else ""
            starts = (
                piece
                and w[:1].isupper()
                and (w[1:2].islower() or w[1:2] == "")
                and prev.lower().strip(",") not in _FUNCTION_WORDS
                and not prev[:1].isupper()
                and not prev.endswith(",")
            )
            if starts:
                pieces.append(" ".join(piece))
                piece = []
            piece.append(w)
        if piece:
            pieces.append(" ".join(piece))
        elif label and not seg.strip():
            continue
    return [p for p in pieces if p.strip() and not empty.match(p.strip())]


def _is_sub_label(line: str) -> bool:
    """A line that is only a PDQ sub-label ("Hematopoietic", "Performance status:")."""
    word = line.strip().rstrip(":").strip()
    return word in vocabulary().pdq_sub_labels


def relayout(text: str) -> str:
    """Put one criterion on a line of its own, whatever layout the record came in: inline ``Exclusion
    Criteria:`` and PDQ headings start a new block, bullets collapsed to `` * `` and inline numbered items
    ("...; 3. Pleural infection; 4. Chylothorax") become lines, and PDQ run-on section text is split into its
    criteria (:func:`_run_on_pieces`). Line-broken text is left as it is."""
    text = normalise(text)
    inline_pdq, _, _ = _pdq_patterns()
    text = _INLINE_HEADING.sub("\n\n", text)
    text = inline_pdq.sub("\n\n", text)
    if text.count("\n") <= 2 * text.count(" * ") and " * " in text:
        text = _COLLAPSED_BULLET.sub("\n* ", text)
    text = _INLINE_NUMBER.sub("\n", text)
    out: list[str] = []
    for line in text.split("\n"):
        pdq = _PDQ.match(line)
        heading = _HEADING.match(line)
        if pdq and pdq.group("name").isupper() and len(pdq.group("rest")) > 80:
            out.append(line[: pdq.start("rest")].rstrip())
            out.extend("- " + piece for piece in _run_on_pieces(pdq.group("rest")))
        elif heading and len(heading.group("rest")) > 0 and re.search(r"criteri", line[:45], re.IGNORECASE):
            out.append(line[: heading.start("rest")].rstrip())
            out.append(heading.group("rest"))
        else:
            out.append(line)
    return "\n".join(out)


def split_criteria(text: str) -> list[Criterion]:
    """Split eligibility text into criteria (without facts). Text before any heading counts as inclusion."""
    kind: Kind = "inclusion"
    roots: list[_Item] = []
    stack: list[_Item] = []  # the open item at each nesting depth
    blank_before = True
    for raw_line in relayout(text).split("\n"):
        line = raw_line.rstrip()
        if not line.strip():
            blank_before = True
            continue
        heading = _HEADING.match(line)
        pdq = _PDQ.match(line) if not heading and not _BULLET.match(line) else None
        if pdq and not pdq.group("name").isupper():
            pdq = None  # PDQ headings are written in capitals; "Prior therapy:" in a list is an item
        if heading and (re.search(r"criteri", line[:45], re.IGNORECASE) or line.rstrip().endswith(":")):
            kind = "exclusion" if heading.group("kind").lower() == "exclusion" else "inclusion"
            stack = []
            blank_before = True
            line = heading.group("rest").strip()
            if not line:
                continue
        if pdq:
            kind = "inclusion"
            stack = []
            blank_before = True
            line = pdq.group("rest").strip()
            if not line:
                continue
        if _EXCLUDED_INTRO.match(line) and line.rstrip().endswith(":"):
            kind = "exclusion"
            stack = []
            continue
        bullet = _BULLET.match(line)
        if not bullet and _is_sub_label(line):
            item = _Item(kind, len(line) - len(line.lstrip()), line.strip().rstrip(":") + ":", marker="label")
            roots.append(item)
            stack = [item]
            blank_before = False
            continue
        if bullet and stack and stack[-1].text.endswith((" OR", " or", " and/or")) and not stack[-1].children:
            # "Karnofsky 70-100% OR" / "ECOG 0-2": one criterion with two alternatives
            stack[-1].text += " " + bullet.group("text").strip()
            blank_before = False
            continue
        if bullet:
            indent = len(bullet.group("indent"))
            marker, number = _marker(bullet.group("mark"))
            item = _Item(kind, indent, bullet.group("text").strip(), marker=marker, number=number)
            stack = _parent_for(stack, indent, marker, number)
            if stack:
                item.parent = stack[-1]
                stack[-1].children.append(item)
            else:
                roots.append(item)
            stack.append(item)
        elif stack and _continues(stack[-1], line, blank_before):
            stack[-1].text += " " + line.strip()
        else:
            item = _Item(kind, len(line) - len(line.lstrip()), line.strip())
            roots.append(item)
            stack = [item]
        stack[-1].wrapped = len(line) >= _WRAP_WIDTH
        blank_before = False

    out: list[Criterion] = []

    def walk(item: _Item, context: str | None) -> None:
        if item.children:
            ctx = f"{context} {item.text}" if context else item.text
            # the parent's own text is a criterion too when it states more than an introduction ("3.
            # Pathologically confirmed MPM" above its sub-items)
            if not item.text.endswith(":"):
                out.append(Criterion(kind=item.kind, text=item.text, context=context))
            for child in item.children:
                walk(child, ctx)
            return
        out.append(Criterion(kind=item.kind, text=item.text, context=context))

    for root in roots:
        walk(root, None)
    _, _, empty = _pdq_patterns()
    return [c for c in out if re.search(r"[A-Za-z]", c.text) and not empty.match(c.text.strip())]


# ------------------------------------------------------------------------------------------------------- facts

_NUMBER_WORDS = {
    "zero": "0",
    "one": "1",
    "two": "2",
    "three": "3",
    "four": "4",
    "five": "5",
    "six": "6",
    "single": "1",
    "first": "1st",
    "second": "2nd",
    "third": "3rd",
}
_NUM_WORD = re.compile(r"\b(" + "|".join(_NUMBER_WORDS) + r")\b")


def _prepare(text: str) -> str:
    """Lower case, ``≥``/``≤`` as ``>=``/``<=``, number words as digits, spaces collapsed."""
    t = text.lower().replace("≥", ">=").replace("≤", "<=").replace("=>", ">=").replace("=<", "<=")
    t = t.replace("\uff1e", ">").replace("\uff1c", "<").replace("naïve", "naive")  # full-width signs
    t = _NUM_WORD.sub(lambda m: _NUMBER_WORDS[m.group(1)], t)
    return re.sub(r"\s+", " ", t)


# -- performance status

_PS = re.compile(
    r"\b(?:ecog|eastern cooperative oncology group|who|zubrod)\b(?:[\s/-]*(?:who|ecog))?(?:\s*performance)?"
    r"(?:\s*status)?(?:\s*(?:score|grade|scale))?(?:\s*\((?:ps|ecog ps|ecog)\))?(?:\s*ps)?|\bperformance status\b"
    r"|\bps\b"
)
_PS_LEAD = r"^(?:\W|of|is|must|be|score|grade|ps|status|level)*"
_PS_VALUE: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(
            r"^(?:\W|of|is|must|be|score|grade|ps|a|an|status|level|between)*([0-4])\s*(?:-|to|through|\u2013)\s*([0-4])\b"
        ),
        "range",
    ),
    (
        re.compile(
            r"^(?:\W|of|is|must|be|score|grade|ps|a|an|status|level|either)*((?:[0-4]\s*,\s*)*[0-4],?\s*(?:or|and|/)\s*[0-4])\b"
        ),
        "set",
    ),
    (
        re.compile(
            _PS_LEAD + r"(?:<=|=<|less than or equal to|at most|no more than|not more than|not greater than|"
            r"not higher than|maximum of|a maximum of|up to|of 0 to)\s*([0-4])\b"
        ),
        "max",
    ),
    (
        re.compile(_PS_LEAD + r"(?:<|less than|lower than|below|under)\s*([0-4])\b"),
        "lt",
    ),
    (
        re.compile(_PS_LEAD + r"(?:>=|greater than or equal to|at least|of at least|minimum of)\s*([0-4])\b"),
        "min",
    ),
    (
        re.compile(_PS_LEAD + r"(?:>|greater than|more than|higher than|above|worse than)\s*([0-4])\b"),
        "gt",
    ),
    (
        re.compile(_PS_LEAD + r"([0-4])\s*or\s*(?:less|lower|below|better)\b"),
        "max",
    ),
    (
        re.compile(_PS_LEAD + r"([0-4])\s*or\s*(?:more|higher|greater|above|worse)\b"),
        "min",
    ),
    (
        re.compile(_PS_LEAD + r"([0-4])\b(?!\s*(?:%|weeks|days|months|years|mg))"),
        "one",
    ),
)
_KPS = re.compile(
    r"\b(?:karnofsky|kps)\b[^0-9]{0,40}?(>=|>|at least|greater than or equal to|of at least|greater than|above|"
    r"<=|<|less than|below)?\s*(\d{2,3})\s*%?"
)


def _ecog_fact(t: str) -> Fact | None:
    for m in _PS.finditer(t):
        tail = t[m.end() : m.end() + 60]
        for pattern, how in _PS_VALUE:
            v = pattern.match(tail)
            if not v:
                continue
            if how == "range":
                allowed = set(range(int(v.group(1)), int(v.group(2)) + 1))
            elif how == "set":
                allowed = {int(d) for d in re.findall(r"[0-4]", v.group(1))}
            elif how == "max":
                allowed = set(range(0, int(v.group(1)) + 1))
            elif how == "lt":
                allowed = set(range(0, int(v.group(1))))
            elif how == "min":
                allowed = set(range(int(v.group(1)), 5))
            elif how == "gt":
                allowed = set(range(int(v.group(1)) + 1, 5))
            else:
                allowed = {int(v.group(1))}
            return {"type": "ecog", "allowed": sorted(allowed), "uncertain": [], "scale": "ECOG"}
    k = _KPS.search(t)
    if k:
        op, value = (k.group(1) or ">="), int(k.group(2))
        if not 10 <= value <= 100:
            return None
        grades: list[int] = []
        uncertain: list[int] = []
        for grade, (low, high) in sorted(vocabulary().kps_by_ecog.items()):
            if op in (">=", "at least", "greater than or equal to", "of at least"):
                yes, maybe = low >= value, high >= value
            elif op in (">", "greater than", "above"):
                yes, maybe = low > value, high > value
            elif op == "<=":
                yes, maybe = high <= value, low <= value
            else:
                yes, maybe = high < value, low < value
            if yes:
                grades.append(grade)
            elif maybe:
                uncertain.append(grade)
        return {"type": "ecog", "allowed": grades, "uncertain": uncertain, "scale": "Karnofsky", "kps": value}
    return None


# -- age

_AGE_CONTEXT = re.compile(r"\bage[ds]?\b|years? old|years? of age|\badults?\b|\byears?\b.{0,12}(?:older|younger)")
_NOT_AGE = re.compile(r"life expectancy|years? (?:ago|prior|before)|within (?:the )?(?:last |past )?\d+ years?")
_AGE_RANGE = re.compile(
    r"(\d{1,3})\s*(?:-|to|and|through)\s*(\d{1,3})\s*(?:years?|yrs?)|(?:aged?|between)\s*(\d{1,3})\s*(?:-|to|and)\s*(\d{1,3})\b"
)
_AGE_MIN = (
    (re.compile(r"(?:>=|at least|minimum age of|minimum of|of at least|older than or equal to)\s*(\d{1,3})\b"), False),
    (
        re.compile(r"(\d{1,3})\s*(?:years?|yrs?)?(?: of age| old)?\s*(?:or|and) (?:older|over|above|more|greater)"),
        False,
    ),
    (re.compile(r"(?:>|over|older than|more than|above|greater than)\s*(\d{1,3})\b"), True),
)
_AGE_MAX = (
    (
        re.compile(r"(?:<=|at most|no older than|not older than|up to|maximum age of|not more than)\s*(\d{1,3})\b"),
        False,
    ),
    (re.compile(r"(\d{1,3})\s*(?:years?|yrs?)?(?: of age| old)?\s*(?:or|and) (?:younger|under|below|less)"), False),
    (re.compile(r"(?:<|under|younger than|less than|below)\s*(\d{1,3})\b"), True),
)


def _age_fact(t: str) -> Fact | None:
    if not _AGE_CONTEXT.search(t) or _NOT_AGE.search(t):
        return None
    low: float | None = None
    high: float | None = None
    low_strict = high_strict = False
    r = _AGE_RANGE.search(t)
    if r:
        a, b = (r.group(1), r.group(2)) if r.group(1) else (r.group(3), r.group(4))
        low, high = float(a), float(b)
    else:
        for pattern, strict in _AGE_MIN:
            m = pattern.search(t)
            if m:
                low, low_strict = float(m.group(1)), strict
                break
        for pattern, strict in _AGE_MAX:
            m = pattern.search(t)
            if m and (low is None or float(m.group(1)) > low):
                high, high_strict = float(m.group(1)), strict
                break
    if low is None and high is None:
        return None
    if any(v is not None and not 0 < v <= 120 for v in (low, high)):
        return None
    return {"type": "age", "min": low, "max": high, "min_strict": low_strict, "max_strict": high_strict}


# -- disease: site, confirmation, histology, stage, resectability

_MESO_WORD = re.compile(r"mesotheliom|\bmpm\b|\bmpem\b")
_SITE_TERMS = (
    ("pleura", re.compile(r"pleura|\bmpm\b|thoracic")),
    ("peritoneum", re.compile(r"peritone|\bmpem\b|abdominal")),
    ("pericardium", re.compile(r"pericard")),
    ("tunica_vaginalis", re.compile(r"tunica vaginalis|testic")),
)
_NEG_BEFORE = re.compile(
    r"(?:\bno\b|\bnot\b|\bnon-?|\bexcluding\b|\bexcept\b|\bother than\b|\bwithout\b|\bnever\b)[^,;.]{0,25}$"
)
_CONFIRMED = re.compile(
    r"(?:histolog|cytolog|patholog|tissue)\w*[\s-]+(?:or\s+\w+\s+)?(?:confirm|prove|document|verif|diagnos)"
    r"|confirmed (?:histolog|diagnos)"
)


def _negated(t: str, start: int) -> bool:
    return bool(_NEG_BEFORE.search(t[max(0, start - 40) : start]))


_TREATMENT_FOR = re.compile(
    r"(?:therapy|therapies|treatment|radiotherapy|chemotherapy|surgery|regimens?|lines?|agents?|drugs?)\s+"
    r"(?:\w+\s+){0,2}(?:for|of|against)\s+(?:\w+\s+){0,2}$"
)


def _site_facts(t: str, kind: Kind) -> list[Fact]:
    meso = _MESO_WORD.search(t)
    if not meso:
        return []
    if _TREATMENT_FOR.search(t[: meso.start()]) and not re.search(r"diagnos|confirm|histolog", t[: meso.start()]):
        return []  # "prior therapy for mesothelioma": about the treatment, not which disease
    facts: list[Fact] = []
    named: set[str] = set()
    negated: set[str] = set()
    for site, pattern in _SITE_TERMS:
        for m in pattern.finditer(t):
            (negated if _negated(t, m.start()) else named).add(site)
    sites = named - negated
    if not sites and negated:
        sites = {s for s, _ in _SITE_TERMS} - negated
    if re.search(r"history of|prior (?:malignan|cancer)|other malignan|second malignan", t):
        return []  # a criterion about another cancer, not this diagnosis
    if kind == "exclusion" and not sites:
        return []  # an exclusion naming mesothelioma without a site is about something else (e.g. another cancer)
    facts.append({"type": "site", "sites": sorted(sites)})
    if kind == "inclusion" and _CONFIRMED.search(t):
        facts.append({"type": "diagnosis_confirmed"})
    return facts


def _histology_fact(t: str) -> Fact | None:
    voc = vocabulary()
    any_subtype = bool(re.search(r"\b(?:any|all)\s+(?:histolog\w*|subtypes?)|regardless of (?:histolog|subtype)", t))
    mentioned: set[str] = set()
    excluded: set[str] = set()
    for m in voc.term_patterns["hist:non_epithelioid"].finditer(t):
        (excluded if _negated(t, m.start()) else mentioned).update({"sarcomatoid", "biphasic"})
    # The "non" of "non-epithelioid" must not read as a negation of the subtypes named after it.
    t = voc.term_patterns["hist:non_epithelioid"].sub("xnonepithelioidx", t)
    for name in ("epithelioid", "sarcomatoid", "biphasic"):
        for m in voc.term_patterns[f"hist:{name}"].finditer(t):
            neg = _negated(t, m.start()) or bool(
                re.match(
                    r"\s*(?:histolog\w*|subtype|type|tumou?rs?)?\s*(?:are|is)\s+(?:excluded|not eligible|not allowed)",
                    t[m.end() :],
                )
            )
            (excluded if neg else mentioned).add(name)
    if not excluded and (any_subtype or not mentioned):
        return None
    if any_subtype:
        mentioned = set()
    allowed = mentioned - excluded if mentioned - excluded else {"epithelioid", "sarcomatoid", "biphasic"} - excluded
    return {"type": "histology", "allowed": sorted(allowed)}


_STAGE_TOKEN = r"(?:(?:iv|i{1,3})[abc]?|[1-4][abc]?)"
_STAGE = re.compile(
    r"\bstages?\s*(?:\((?:ajcc|uicc|tnm|imig)[^)]*\)\s*)?("
    + _STAGE_TOKEN
    + r"(?:\s*(?:-|to|through|or|and|,|/)\s*(?:stage\s*)?(?:"
    + _STAGE_TOKEN
    + r"))*)\b"
)
_ROMAN = {"1": "i", "2": "ii", "3": "iii", "4": "iv"}


def _stage_fact(t: str) -> Fact | None:
    m = _STAGE.search(t)
    if not m:
        return None
    spec = m.group(1)
    parts = re.split(r"\s*(?:or|and|,|/)\s*", spec)
    ranges: list[list[str]] = []
    for part in parts:
        ends = [e for e in re.split(r"\s*(?:-|to|through)\s*(?:stage\s*)?", part) if e]
        labels = []
        for e in ends:
            e = e.replace("stage", "").strip()
            if e and e[0].isdigit():
                e = _ROMAN[e[0]] + e[1:]
            labels.append(e.upper())
        if len(labels) == 1:
            ranges.append([labels[0], labels[0]])
        elif len(labels) >= 2:
            ranges.append([labels[0], labels[-1]])
    if not ranges:
        return None
    return {"type": "stage", "ranges": ranges, "edition": _edition(t)}


def _edition(t: str) -> str | None:
    m = re.search(r"\b(7|8|9)(?:th)?\s*(?:edition|ed\.)|\b(ajcc|uicc|tnm)\s*v?(7|8|9)\b", t)
    if not m:
        return None
    return m.group(1) or m.group(3)


_UNRESECTABLE = re.compile(
    r"unresectable|cannot be (?:\w+ )?removed (?:by|with) (?:\w+ )?(?:surgery|operation)|"
    r"not (?:be )?(?:surgically )?removable|non-?resectable|inoperable|not (?:surgically )?resectable|"
    r"not (?:be )?(?:amenable|suitable|eligible|"
    r"a candidate|candidates?)\s+(?:to|for)\s+(?:\w+[\s-]){0,3}(?:surgery|resection|operation|surgical)"
    r"|ineligible for (?:\w+[\s-]){0,3}(?:surgery|resection)"
)
_RESECTABLE = re.compile(
    r"(?<![\w-])resectable|amenable to (?:\w+[\s-]){0,3}(?:surgery|resection)|candidates? for (?:\w+[\s-]){0,3}"
    r"(?:surgery|resection|pleurectomy|cytoreducti)|planned (?:for )?(?:\w+[\s-]){0,2}(?:surgery|resection|"
    r"pleurectomy|cytoreducti|extrapleural)|(?<![\w-])operable"
)


def _resectability_fact(t: str) -> Fact | None:
    if _UNRESECTABLE.search(t):
        return {"type": "resectability", "resectable": False}
    m = _RESECTABLE.search(t)
    if m:
        return {"type": "resectability", "resectable": not _negated(t, m.start())}
    return None


# -- treatment history

_LINES_NAIVE = re.compile(
    r"treatment[- ]naive|previously untreated|untreated (?:advanced|unresectable|metastatic|mesothelioma|disease|"
    r"malignant)|no prior (?:\w+ )?(?:systemic|anti-?cancer) (?:therapy|treatment)|not (?:have )?(?:received|had) "
    r"(?:any )?(?:prior |previous )?systemic|no previous (?:\w+ )?systemic|have not been treated|"
    r"(?:in|for) the 1st[- ]line (?:setting|treatment)|candidates? for 1st[- ]line|eligible for 1st[- ]line"
)
_LINES_MIN = (
    re.compile(
        r"(?:at least|>=|minimum of|a minimum of)\s*(\d)\s*(?:prior|previous|lines?|regimens?|systemic|courses?)"
    ),
    re.compile(r"(\d)\s*or more (?:prior |previous )?(?:lines?|regimens?|systemic|therapies|treatments)"),
)
_LINES_PROGRESSED = re.compile(
    r"(?:progress\w*|relaps\w*|recurr\w*|refractory|resistant|intoleran\w*)\s+(?:\w+\s+){0,3}(?:on|after|following|to|"
    r"despite|during)\s+(?:\w+[\s-]+){0,4}(?:1st[- ]line|therapy|treatment|chemotherapy|platinum|immunotherapy|regimen|"
    r"line)|previously treated|pre-?treated|received (?:\w+[\s-]+){0,3}(?:1st[- ]line)|"
    r"after (?:\w+[\s-]+){0,2}1st[- ]line|"
    r"following (?:\w+[\s-]+){0,2}1st[- ]line|cycles of (?:\w+[\s-]+){0,2}1st[- ]line"
)
# Whether the disease has progressed on or after the last treatment (second-line trials need it, maintenance trials
# need the opposite).
_NOT_PROGRESSED = re.compile(
    r"without (?:radiologic(?:al)? |disease |evidence of )*progression|no (?:evidence of )?(?:disease )?progression|"
    r"(?:has|have) not progressed|non-?progressive|stable disease or (?:better|response)|"
    r"(?:achieved|with) (?:at least )?stable disease"
)
_PROGRESSED = re.compile(
    r"(?<!no )(?<!without )(?:disease |radiologic(?:al)? |documented )?(?:progress(?:ed|ion|ing|ive disease)|relapsed|"
    r"refractory)\s+(?:\w+\s+){0,3}(?:on|after|following|during|despite|to)\b"
)
_LINES_MAX = (
    re.compile(
        r"(?:no more than|not more than|at most|up to|maximum of|a maximum of|<=)\s*(\d)\s*"
        r"(?:prior|previous|lines?|regimens?|systemic)"
    ),
    re.compile(r"(\d)\s*or (?:fewer|less) (?:prior |previous )?(?:lines?|regimens?)"),
)
_LINES_MORE_THAN = re.compile(
    r"(?<!no )(?<!not )(?:more than|>|greater than)\s*(\d)\s*(?:prior|previous|lines?|regimens?|systemic)"
)
_LINES_RANGE = re.compile(r"(\d)\s*(?:-|to|or)\s*(\d)\s*(?:prior |previous )?(?:lines?|regimens?)")
# "second-line", "first- or second-line", "2nd or 3rd line": the line of the treatment the trial gives, so the
# number of prior lines is one less. Not when the ordinal names a treatment already had ("after first-line ...").
_ORD = r"(?:1st|2nd|3rd|4th)"
_LINE_ORDINAL = re.compile(rf"\b{_ORD}(?:[- ]?line)?-?(?:\s*(?:,|or|and|/)\s*{_ORD}(?:[- ]?line)?-?)*(?:\s*line)?")
_ORDINAL_PAST = re.compile(
    r"(?:after|following|progress\w*|received|prior|previous|completed|of|on|failed|failure of)\s+(?:\w+\s+){0,2}$"
)
_ORDINALS = {"1st": 1, "2nd": 2, "3rd": 3, "4th": 4}
_CLASS_QUALIFIER = ("platinum", "antifolate", "immunotherapy", "anti_pd1_pdl1", "anti_ctla4", "chemotherapy")
_EXPOSURE = re.compile(
    r"prior|previous|previously|received|receiving|treated with|exposure|exposed|pre-?treated|history of|naive|"
    r"progress|refractory|relaps|failed|failure|intoleran"
)
_NOT_HISTORY = re.compile(
    r"hypersensitiv|allerg|contraindicat|adverse event|adverse reaction|toxicit|concurrent|concomitant|"
    r"current(?:ly)? receiv|will receive|randomi[sz]ed to"
)
_NEG_AGENT = re.compile(r"(?:\bno\b|\bnot\b|\bnever\b|\bwithout\b|\bfree of\b|\bnaive to\b|\bmust not\b)[^;]{0,60}$")
_PERMISSIVE = re.compile(
    r"(?:is|are|will be)\s+(?:\w+\s+)?(?:allowed|permitted|eligible|acceptable)|may (?:be )?(?:enrol|includ|particip|"
    r"have)|can (?:be )?(?:enrol|includ|particip)"
)


def _classes_in(t: str) -> list[tuple[int, set[str]]]:
    """(position, classes) for each drug or drug-class mention."""
    voc = vocabulary()
    found: list[tuple[int, set[str]]] = []
    for key, pattern in voc.term_patterns.items():
        kind, _, name = key.partition(":")
        if kind not in ("class", "agent"):
            continue
        for m in pattern.finditer(t):
            classes = {name} if kind == "class" else set(voc.agents[name]) | {f"agent:{name}"}
            found.append((m.start(), classes))
    return sorted(found, key=lambda x: x[0])


def _treatment_facts(t: str) -> list[Fact]:
    facts: list[Fact] = []
    for clause in re.split(r";|\.\s|\s(?:and|but)\s(?=(?:no|must|have|has|at least|prior)\b)", t):
        facts += _clause_treatment_facts(clause)
    return facts


_ASIDE = re.compile(
    r"with or without [^,;.)]*|\([^)]*(?:allowed|permitted|eligible)[^)]*\)|"
    r"(?:prior|previous) [^,;.()]* (?:is|are) (?:allowed|permitted)"
)


def _qualifiers(clause: str) -> list[str]:
    """The drug classes a line-of-therapy criterion requires (not those it only allows)."""
    found: set[str] = set()
    for _, classes in _classes_in(_ASIDE.sub(" ", clause)):
        found |= {c for c in classes if c in _CLASS_QUALIFIER}
    # "platinum-pemetrexed" names both; keep the narrower classes only
    if found - {"chemotherapy"}:
        found.discard("chemotherapy")
    if {"anti_pd1_pdl1", "anti_ctla4"} & found:
        found.discard("immunotherapy")
    return sorted(found)


def _clause_treatment_facts(c: str) -> list[Fact]:
    low: int | None = None
    high: int | None = None
    m = next((x for x in _LINE_ORDINAL.finditer(c) if "line" in x.group(0)), None)
    if (
        m
        and not _ORDINAL_PAST.search(c[: m.start()])
        and not re.match(r"\s*(?:platinum|chemo|immuno|therapy|treatment\s+with)", c[m.end() :])
    ):
        ordinals = [_ORDINALS[o] for o in re.findall(r"1st|2nd|3rd|4th", m.group(0))]
        low, high = min(ordinals) - 1, max(ordinals) - 1
    if low is None and (r := _LINES_RANGE.search(c)):
        low, high = int(r.group(1)), int(r.group(2))
    if low is None:
        for pattern in _LINES_MIN:
            if mm := pattern.search(c):
                low = int(mm.group(1))
                break
    if low is None and (mt := _LINES_MORE_THAN.search(c)):
        low = int(mt.group(1)) + 1
    progressed = _LINES_PROGRESSED.search(c)
    if low is None and progressed:
        negation = _NEG_AGENT.search(c[: progressed.start()])
        if negation is None or re.search(r"progress|respon", negation.group(0) + progressed.group(0)):
            low = 1
    for pattern in _LINES_MAX:
        if mx := pattern.search(c):
            high = int(mx.group(1))
            break
    if low is None and high is None and _LINES_NAIVE.search(c):
        high = 0
        low = 0
    if low is not None or high is not None:
        facts: list[Fact] = [
            {"type": "lines", "min": low, "max": high, "classes": _qualifiers(c) if (low or 0) >= 1 else []}
        ]
        if (low or 0) >= 1:
            if _NOT_PROGRESSED.search(c):
                facts.append({"type": "progression", "progressed": False})
            elif _PROGRESSED.search(c):
                facts.append({"type": "progression", "progressed": True})
        return facts
    # No count of lines: a statement about prior exposure to named drugs or classes.
    if _NOT_HISTORY.search(c) or not _EXPOSURE.search(c):
        return []
    mentions = _classes_in(c)
    if not mentions:
        return []
    classes: set[str] = set()
    for _, cl in mentions:
        classes |= {x for x in cl if x.startswith("agent:")} or cl
    first = mentions[0][0]
    naive_after = re.search(r"(?:-|\s)naive\b|\bna[iï]ve\b", c[first:])
    negation = _NEG_AGENT.search(c[:first])
    if negation and re.search(r"progress|respon", negation.group(0)):
        negation = None  # "without progression after ... chemotherapy" negates the progression, not the drug
    present = not (negation or naive_after)
    return [
        {
            "type": "prior_agent",
            "classes": sorted(classes),
            "present": present,
            "permissive": bool(_PERMISSIVE.search(c)),
        }
    ]


# -- measurable disease, brain metastases, contraindications, pregnancy

_MEASURABLE = re.compile(r"(?<![\w-])measurable|(?:\bm?recist\b).{0,40}(?:lesion|disease)|target lesion")
_BRAIN = re.compile(
    r"(?:brain|cns|central nervous system|cerebral|intracranial)\s+(?:\w+\s+)?(?:metasta\w*|lesions?|involvement|"
    r"disease|mets)|metasta\w*\s+(?:to|in|of)\s+the\s+(?:brain|cns|central nervous system)|leptomeningeal"
)
_BRAIN_QUALIFIED = re.compile(
    r"active|untreated|symptomatic|progress|unstable|uncontrolled|requiring|new(?:ly)?|leptomeningeal|"
    r"not (?:been )?(?:treated|stable)|stable|treated"
)


def _measurable_fact(t: str) -> Fact | None:
    m = _MEASURABLE.search(t)
    if not m:
        return None
    if re.search(r"non-?measurable", t) and re.search(r"(?<![\w-])measurable\s+(?:or|and/or)\s+non-?measurable", t):
        return None
    evaluable = bool(re.search(r"evaluable\s+or\s+measurable|measurable\s+or\s+evaluable", t))
    return {"type": "measurable", "present": not _negated(t, m.start()), "or_evaluable": evaluable}


def _brain_fact(t: str) -> Fact | None:
    m = _BRAIN.search(t)
    if not m:
        return None
    return {
        "type": "brain_mets",
        "present": not _negated(t, m.start()),
        "qualified": bool(_BRAIN_QUALIFIED.search(t)),
        "permissive": bool(_PERMISSIVE.search(t)),
    }


# Exceptions written into the criterion: a person with the condition may still qualify, so it needs checking.
_CONTRA_QUALIFIED = re.compile(
    r"except|exception|other than|unless|allowed|permitted|eligible|not requiring|does not require|may be included"
)


def _contraindication_facts(t: str) -> list[Fact]:
    facts: list[Fact] = []
    voc = vocabulary()
    for name in voc.contraindication_terms:
        m = voc.term_patterns[f"contra:{name}"].search(t)
        if not m:
            continue
        facts.append(
            {
                "type": "contraindication",
                "code": name,
                "present": not _negated(t, m.start()),
                "qualified": bool(_CONTRA_QUALIFIED.search(t)),
            }
        )
    return facts


_PREGNANCY = re.compile(r"pregnan|breast[- ]?feed|lactat|nursing|childbearing|child-bearing|contracepti")


def extract_facts(text: str, kind: Kind = "inclusion") -> tuple[Fact, ...]:
    """Every fact a criterion states, in :data:`CRITERION_TYPES` order (see the module docstring)."""
    t = _prepare(normalise(text))
    facts: list[Fact] = []
    facts += _site_facts(t, kind)
    if f := _histology_fact(t):
        facts.append(f)
    if f := _stage_fact(t):
        facts.append(f)
    if f := _resectability_fact(t):
        facts.append(f)
    facts += _treatment_facts(t)
    if f := _ecog_fact(t):
        facts.append(f)
    if f := _measurable_fact(t):
        facts.append(f)
    if f := _brain_fact(t):
        facts.append(f)
    else:
        facts += _contraindication_facts(t)
    if f := _age_fact(t):
        facts.append(f)
    if _PREGNANCY.search(t):
        facts.append({"type": "pregnancy"})
    return tuple(facts)


def parse_eligibility(text: str) -> list[Criterion]:
    """Split eligibility text and extract the facts of each criterion. A nested item whose own text states no
    fact is read together with its parent's text (e.g. "Prior therapy:" / "* no more than 2 lines")."""
    out = []
    for c in split_criteria(text):
        facts = extract_facts(c.text, c.kind)
        if not facts and c.context:
            facts = extract_facts(f"{c.context} {c.text}", c.kind)
        out.append(Criterion(kind=c.kind, text=c.text, context=c.context, facts=facts))
    return out
