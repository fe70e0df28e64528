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

import dataclasses
import functools
import re
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from typing import Any, Literal

from mesostage.trials.labs import lab_facts, organ_disease_fact, organ_function_fact

__all__ = [
    "CRITERION_TYPES",
    "Criterion",
    "Reading",
    "Vocabulary",
    "edition_in_force",
    "extract_facts",
    "normalise",
    "parse_eligibility",
    "parse_trial",
    "relayout",
    "split_criteria",
    "title_criteria",
    "vocabulary",
]

Kind = Literal["inclusion", "exclusion"]
Fact = dict[str, Any]

#: Criterion types, in the order a criterion's main type is chosen when it states several facts.
CRITERION_TYPES: tuple[str, ...] = (
    "cohort",
    "site",
    "histology",
    "tumor_type",
    "stage",
    "tnm",
    "extent",
    "resectability",
    "lines",
    "prior_agent",
    "washout",
    "current_treatment",
    "prior_surgery",
    "prior_radiotherapy",
    "progression",
    "effusion",
    "biomarker",
    "lab",
    "organ_function",
    "organ_disease",
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
    #: agents the case's ``prior_agents`` cannot name ("doxorubicin"): decided only from a list of named drugs
    unlisted_agents: frozenset[str] = frozenset()
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
        unlisted_agents=frozenset(k for k, v in raw["agents"].items() if v.get("unlisted")),
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
    #: criteria with the same group are alternatives ("... one of the following:"): one of them is enough
    group: str | None = None

    @functools.cached_property
    def type(self) -> str:
        """The criterion's main type: the first of :data:`CRITERION_TYPES` among its facts."""
        types = {f["type"] for f in self.facts}
        return next((t for t in CRITERION_TYPES if t in types), "other")

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"kind": self.kind, "text": self.text, "context": self.context, "facts": list(self.facts)}
        if self.group is not None:
            d["group"] = self.group
        return d

    @staticmethod
    def from_dict(d: dict[str, Any]) -> Criterion:
        return Criterion(
            kind=d["kind"],
            text=d["text"],
            context=d.get("context"),
            facts=tuple(d.get("facts", ())),
            group=d.get("group"),
        )


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


#: Raw lines of this length are taken as hard-wrapped (classic ClinicalTrials.gov text wraps at 70-90 characters;
#: a longer line is a whole criterion, as in NCT02397928's "- Prior malignancy requiring anti-tumor treatment ...").
_WRAP_WIDTHS = range(60, 100)


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
        same_list = it.indent == indent and it.marker == marker and marker in ("num", "alpha", "roman")
        if same_list and number == it.number + 1:
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
    [
        "a",
        "an",
        "the",
        "of",
        "on",
        "in",
        "by",
        "per",
        "to",
        "with",
        "and",
        "or",
        "for",
        "as",
        "at",
        "from",
        "than",
        "via",
        "using",
        "including",
        "e.g",
        "i.e",
    ]
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


_SEE_ALSO = re.compile(r"\bSee (?:Disease Characteristics|General Eligibility Criteria)\b", re.IGNORECASE)


_RUN_ON_TNM = re.compile(r"^(?:c|p|yp)?(?:T[0-4x][abc]?(?:N[0-3x])?|N[0-3]|M[01])(?:-\d)?,?$")
#: acronyms that end a phrase rather than start one ("< 1.5 times ULN Alkaline phosphatase", NCT00227630)
_UNIT_ACRONYMS = frozenset({"ULN", "LLN", "UNL", "IULN", "IU", "GFR", "MDRD"})
_STAGE_WORDS = frozenset({"stage", "stages", "category", "categories", "clinical", "pathologic", "pathological"})


def _run_on_pieces(body: str) -> list[str]:
    """Split one PDQ run-on section body ("Age: Not specified Performance status: WHO 0-2 ... Hematopoietic: WBC
    greater than 3,000/mm3 Neutrophil count greater than 1,500/mm3") into criteria: at the section's sub-labels,
    then where a capitalised word starts after a word that ends a phrase (not after "of", "by", ... nor after
    another capitalised word, so "British Thoracic Society" stays whole)."""
    _, sub, empty = _pdq_patterns()
    body = _SEE_ALSO.sub(" ; ", body)
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
            if w == ";":
                if piece:
                    pieces.append(" ".join(piece))
                piece = []
                continue
            nxt = words[i + 1] if i + 1 < len(words) else ""
            # a capitalised word, an acronym opening a new phrase ("only WHO Performance Status 0-1") or a TNM
            # category ("surgery T1N1, T2N0 ...", "drain T1N0 disease", "diaphragm M1 disease": NCT05655078)
            acronym = w.isalpha() and w.isupper() and len(w) >= 2 and nxt[:1].isupper() and w not in _UNIT_ACRONYMS
            tnm = bool(_RUN_ON_TNM.match(w)) and prev.lower() not in _STAGE_WORDS
            starts = (
                piece
                and ((w[:1].isupper() and w[1:2].islower()) or acronym or tnm)
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


_RUN_ON_MIN = 250


def _join_wrapped_pdq(text: str) -> str:
    """Join the hard-wrapped lines of a PDQ section written without bullets (NCT00004254: "DISEASE
    CHARACTERISTICS: Histologically proven inoperable malignant mesothelioma All tumor\nstages eligible ...") so
    that the run-on splitter sees the whole section."""
    lines = text.split("\n")
    out: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        pdq = _PDQ.match(line)
        if pdq and pdq.group("name").isupper() and pdq.group("rest").strip():
            j = i + 1
            while (
                j < len(lines)
                and lines[j].strip()
                and not _PDQ.match(lines[j])
                and not _HEADING.match(lines[j])
                and not _BULLET.match(lines[j])
            ):
                j += 1
            if j > i + 1:
                out.append(" ".join(x.strip() for x in lines[i:j]))
                i = j
                continue
        out.append(line)
        i += 1
    return "\n".join(out)


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
    text = _join_wrapped_pdq(text)
    out: list[str] = []
    for line in text.split("\n"):
        pdq = _PDQ.match(line)
        heading = _HEADING.match(line)
        if pdq and pdq.group("name").isupper() and len(pdq.group("rest")) > 80:
            out.append(line[: pdq.start("rest")].rstrip())
            out.extend("- " + piece for piece in _run_on_pieces(pdq.group("rest")))
        elif heading and len(heading.group("rest")) > 0 and re.search(r"criteri", line[:45], re.IGNORECASE):
            out.append(line[: heading.start("rest")].rstrip())
            rest = heading.group("rest")
            if len(rest) > _RUN_ON_MIN and not _BULLET.match(rest) and rest.count(". ") < len(rest) / 200:
                # one long line of criteria without bullets or sentences (PDQ text whose labels were dropped,
                # NCT00039182)
                out.extend("- " + piece for piece in _run_on_pieces(rest))
            else:
                out.append(rest)
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
        stack[-1].wrapped = len(line) in _WRAP_WIDTHS
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
    kept = [c for c in out if re.search(r"[A-Za-z]", c.text) and not empty.match(c.text.strip())]
    return _merge_alternatives([_requirement_in_exclusions(s) for c in kept for s in _sentences(c)])


_SENTENCE_END = re.compile(r"(?<=[a-z0-9)\]%])\.\s+(?=[A-Z])")
_ABBREVIATIONS = frozenset({"e.g", "i.e", "vs", "dr", "no", "approx", "etc", "fig", "ref", "st", "mr", "mrs", "ms"})


def _sentences(c: Criterion) -> list[Criterion]:
    """One criterion per sentence: a record often writes several requirements in one item ("Prior chemotherapy
    is allowed with the exception of ... . Patients must have received prior first-line therapy.")."""
    parts: list[str] = []
    start = 0
    for m in _SENTENCE_END.finditer(c.text):
        before = c.text[start : m.start()].split()
        if before and before[-1].lower().rstrip(".") in _ABBREVIATIONS:
            continue
        parts.append(c.text[start : m.start() + 1].strip())
        start = m.end()
    parts.append(c.text[start:].strip())
    merged: list[str] = []
    for part in parts:
        if merged and len(part.split()) < 3:
            merged[-1] += " " + part
        elif part:
            merged.append(part)
    if len(merged) <= 1:
        return [c]
    return [Criterion(kind=c.kind, text=t, context=c.context) for t in merged]


#: "... meeting 1 of the following cell types:" followed by short items at the same level: one criterion whose
#: items are alternatives (NCT01085630 "Epithelial" / "Sarcomatoid" / "Mixed type").
_ONE_OF = re.compile(r"\b(?:1|one|any|either|at least one) of the following\b[^:]*:\s*$", re.IGNORECASE)
_ALTERNATIVE_MAX = 60
#: A requirement written in the exclusion list ("Patient must have adequate renal function ...", NCT00604461
#: repeats three of its inclusion criteria there): an exclusion cannot mean "excluded if you must have it".
_REQUIREMENT = re.compile(
    r"^\W*(?:the\s+)?(?:patients?|participants?|subjects?)\s+(?:must|should)\s+(?:also\s+)?(?:have|be)\b(?!\s+not)",
    re.IGNORECASE,
)


_EXCLUSION_SENTENCE = re.compile(r"\b(?:will be |are |is )?(?:ineligible|not eligible|excluded) if\b", re.IGNORECASE)


def _requirement_in_exclusions(c: Criterion) -> Criterion:
    if c.kind == "exclusion" and _REQUIREMENT.match(c.text):
        return Criterion(kind="inclusion", text=c.text, context=c.context)
    if c.kind == "inclusion" and _EXCLUSION_SENTENCE.search(c.text):
        # "Patients will be ineligible if the WBC is less than 3,000." (NCT00001332), among the inclusions
        return Criterion(kind="exclusion", text=c.text, context=c.context)
    return c


def _merge_alternatives(criteria: list[Criterion]) -> list[Criterion]:
    out: list[Criterion] = []
    i = 0
    while i < len(criteria):
        c = criteria[i]
        j = i + 1
        if _ONE_OF.search(c.text):
            while (
                j < len(criteria)
                and criteria[j].kind == c.kind
                and criteria[j].context == c.context
                and len(criteria[j].text) <= _ALTERNATIVE_MAX
                and not criteria[j].text.endswith(":")
            ):
                j += 1
        if j > i + 1:
            alternatives = "; ".join(x.text for x in criteria[i + 1 : j])
            out.append(Criterion(kind=c.kind, text=f"{c.text} {alternatives}", context=c.context))
        else:
            out.append(c)
        i = j
    return out


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


_COMPARISON_SIGNS = {
    "greater than or equal to": ">=",
    "more than or equal to": ">=",
    "equal to or greater than": ">=",
    "equal or greater than": ">=",
    "less than or equal to": "<=",
    "equal to or less than": "<=",
    "equal or less than": "<=",
}
_COMPARISONS = re.compile("|".join(sorted(_COMPARISON_SIGNS, key=len, reverse=True)))


def _prepare(text: str) -> str:
    """Lower case, ``≥``/``≤`` as ``>=``/``<=``, number words as digits, spaces collapsed."""
    t = text.lower().replace("≥", ">=").replace("≤", "<=").replace("=>", ">=").replace("=<", "<=")
    t = t.replace(">/=", ">=").replace("</=", "<=")  # "Subject, age >/= 18 years" (NCT00652574)
    t = re.sub(r">\s*or\s*=", ">=", t)  # "> or = 1,500/mcL", "< or = 2 (0-2)" (NCT00491855)
    t = re.sub(r"<\s*or\s*=", "<=", t)
    t = t.replace("\uff1e", ">").replace("\uff1c", "<").replace("naïve", "naive")  # full-width signs
    t = _NUM_WORD.sub(lambda m: _NUMBER_WORDS[m.group(1)], t)
    t = _COMPARISONS.sub(lambda m: _COMPARISON_SIGNS[m.group(0)], t)
    t = re.sub(r"(\d)(yrs?|years?)\b", r"\1 \2", t)
    t = re.sub(r"(\d)\s*\\?[~\uff5e]\s*(\d)", r"\1-\2", t)  # "ECOG score <= 0~1" (NCT03638804): a range
    return re.sub(r"\s+", " ", t)


# -- performance status

_PS = re.compile(
    r"\b(?:ecog|eastern cooperative oncology group|who|zubrod|(?:nci )?ctc)\b(?:[\s/-]*(?:who|ecog))?"
    r"(?:\s*performance)?"
    r"(?:\s*status)?(?:\s*(?:score|grade|scale))?(?:\s*\((?:ps|ecog ps|ecog)\))?(?:\s*ps)?|\bperformance status\b"
    r"|\bps\b"
)
_PS_LEAD = r"^(?:\W|of|is|was|must|be|score|grade|ps|status|level|physical)*"
_PS_VALUE: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(
            r"^(?:\W|of|is|was|must|be|score|grade|ps|a|an|status|level|physical|between)*([0-4])\s*(?:-|to|through|\u2013)\s*([0-4])\b"
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


_PS_ALTERNATIVE = re.compile(
    r"\bor\b[^.;]{0,60}?\b(?:ecog|ps|performance status|who)\b[^.;]{0,60}?\b(?:if|when|unless|provided)\b"
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
            uncertain: list[int] = []
            if _PS_ALTERNATIVE.search(t[m.end() :]):
                # "ECOG 0-1 (or ECOG >= 2 if removal of pleural fluid would improve it)", NCT04322136
                uncertain = sorted(set(range(5)) - allowed)
            return {"type": "ecog", "allowed": sorted(allowed), "uncertain": uncertain, "scale": "ECOG"}
    k = _KPS.search(t)
    reverse = re.search(r"(\d{2,3})\s*%?\s*or (?:higher|more|greater|above)\s+(?:\w+\s+){0,3}(?:karnofsky|kps)", t)
    if k or reverse:
        op, value = (">=", int(reverse.group(1))) if reverse else ((k.group(1) or ">="), int(k.group(2)))  # type: ignore[union-attr]
        if not 10 <= value <= 100:
            return None
        grades: list[int] = []
        uncertain = []
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

_AGE_CONTEXT = re.compile(
    r"\bage[ds]?\b|years? old|years? of age|\badults?\b|\byears?\b.{0,12}(?:older|younger)|"
    r"\b\d{2}\s*years? (?:or|and) (?:over|above)\b"  # "18 years or over", its "Age" label split off (NCT05655078)
)
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
    if _NOT_AGE.search(t):
        # "18-70 years old;Eastern Cooperative Oncology Group performance status:0-1,Life expectancy of more than 3
        # months" (NCT03460457): the age is in a part of its own
        t = next((p for p in re.split(r"[;,]\s*", t) if _AGE_CONTEXT.search(p) and not _NOT_AGE.search(p)), "")
    if not _AGE_CONTEXT.search(t):
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
    ("pleura", re.compile(r"pleura|\bmpm\b|\bmpd\b|thoracic")),
    ("peritoneum", re.compile(r"peritone|\bmpem\b|abdominal")),
    ("pericardium", re.compile(r"pericard")),
    ("tunica_vaginalis", re.compile(r"tunica vaginalis|testic")),
)
_NEG_BEFORE = re.compile(
    r"(?:\bno\b|\bnot\b|\bnon-?|\bexcluding\b|\bexcept\b|\bother than\b|\bwithout\b|\bnever\b|\babsence of\b|"
    r"\bfree (?:of|from)\b|\boutside (?:of )?the\b)[^,;.]{0,25}$"
    # the later items of a short list after "absence of" / "without": "showing absence of M1, N2 involvement"
    # (NCT05304208)
    r"|\b(?:absence of|without|free (?:of|from))\s(?:[^,;.:()]{1,20},\s*){1,3}(?:or\s+|and\s+)?[^,;.]{0,20}$"
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


_PLEURAL_OPERATION = re.compile(
    r"(?:undergo|eligible for|candidates? for|fit for|amenable to)\s+(?:\w+[\s-]+){0,3}?"
    r"(?:extra-?pleural pneumonectomy|pleurectomy|\bepp\b|\bp/d\b)"
)


def _site_facts(t: str, kind: Kind, reading: Reading) -> list[Fact]:
    if kind == "inclusion" and not _MESO_WORD.search(t) and _PLEURAL_OPERATION.search(t):
        return [{"type": "site", "sites": ["pleura"]}]  # an operation on the pleura: a pleural primary
    if (
        kind == "inclusion"
        and not _MESO_WORD.search(t)
        and re.search(
            r"(?:evidence of|with|confined to)\s+(?:\w+\s+){0,4}intra-?abdominal (?:disease|tumou?r|cancer)", t
        )
    ):
        return [{"type": "site", "sites": ["peritoneum"]}]  # disease in the abdomen (NCT00001332)
    if kind == "inclusion" and not _MESO_WORD.search(t):
        # "Histologically or cytologically confirmed solid tumor or hematologic malignancy" (NCT00042770): a class
        # of cancer mesothelioma belongs to; "No primary lymphoma or small cell lung carcinoma" (NCT00644319):
        # cancers a person with mesothelioma does not have as their primary
        if re.search(r"(?:confirmed|proven|diagnosis of)\b[^;.]{0,40}\bsolid (?:tumou?rs?|malignanc\w*|cancers?)\b", t):
            return [{"type": "site", "sites": []}]
        if re.match(r"^\W*(?:has|have) been diagnosed with (?:a |an )?(?:cancer|malignan\w*)\W*$", t):
            return [{"type": "site", "sites": []}]  # "Has been diagnosed with cancer" (NCT05554432): any cancer
        if re.match(r"^\W*no primary\b", t) and vocabulary().term_patterns["other_cancer"].search(t):
            return [{"type": "site", "sites": []}]
    any_site = r"\bany (?:primary )?site(?: of origin)? (?:is |are )?(?:allowed|eligible)"
    if kind == "inclusion" and re.search(any_site, t):
        return [{"type": "site", "sites": []}]  # "Any site of origin allowed including ... Pleura Peritoneum"
    if reading.mpm_site != "pleura":
        # "MPM" in a peritoneal trial is malignant peritoneal mesothelioma
        t = re.sub(r"\bmpm\b", "mpem", t)
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
    any_subtype = bool(
        re.search(r"\b(?:any|all)\s+(?:histolog\w*|subtypes?)|regardless of (?:histolog|subtype)", t)
        or voc.term_patterns["hist:any"].search(t)
    )
    mentioned: set[str] = set()
    excluded: set[str] = set()
    for m in voc.term_patterns["hist:non_epithelioid"].finditer(t):
        (excluded if _negated(t, m.start()) else mentioned).update({"sarcomatoid", "biphasic"})
    # The "non" of "non-epithelioid" must not read as a negation of the subtypes named after it.
    t = voc.term_patterns["hist:non_epithelioid"].sub("xnonepithelioidx", t)
    t = re.sub(r"\bbi-phasic\b", "biphasic", t)
    subgroup = re.match(
        r"^\W*(?:patients with |for )?(epithelioid|biphasic|sarcomatoid)\s+(?:mesotheliomas?|histology|tumou?rs?|"
        r"subtypes?|disease)\s+(?:must|should|need|require)",
        t,
    )
    if subgroup:
        # "Bi-phasic mesotheliomas must express mesothelin on > 50% of the cells ..." (NCT01583686): a rule for
        # that subtype, not a requirement to have it
        return {"type": "histology", "allowed": [subgroup.group(1)], "subgroup": True}
    t = re.sub(r"\b(?:epithelial|epithelioid|sarcomatoid) component", "component", t)
    for name in ("epithelioid", "sarcomatoid", "biphasic"):
        for m in voc.term_patterns[f"hist:{name}"].finditer(t):
            neg = _negated(t, m.start()) or bool(
                re.match(
                    r"\s*(?:histolog\w*|subtype|type|tumou?rs?)?\s*(?:are|is)\s+(?:excluded|not eligible|not allowed)",
                    t[m.end() :],
                )
            )
            (excluded if neg else mentioned).add(name)
    if not excluded and any_subtype and re.search(r"histolog|subtype|types", t):
        return {"type": "histology", "allowed": ["biphasic", "epithelioid", "sarcomatoid"]}
    if not excluded and (any_subtype or not mentioned):
        return None
    if any_subtype:
        mentioned = set()
    allowed = mentioned - excluded if mentioned - excluded else {"epithelioid", "sarcomatoid", "biphasic"} - excluded
    return {"type": "histology", "allowed": sorted(allowed)}


_STAGE_TOKEN = r"(?:(?:iv|i{1,3})[abc]?|[1-4][abc]?)"
_STAGE = re.compile(
    r"\bstages?\s*(?:[(\[][^)\]]{0,80}(?:\[[^\]]*\][^)]{0,60})?[)\]]\s*)?("
    + _STAGE_TOKEN
    + r"(?:\s*(?:,\s*or|,\s*and|-|to|through|or|and|,|/)\s*(?:stage\s*)?(?:"
    + _STAGE_TOKEN
    + r"))*)\b"
)
_ROMAN = {"1": "i", "2": "ii", "3": "iii", "4": "iv"}


def _other_cancers(t: str, end: int) -> bool:
    """Whether the stage or TNM words ending at ``end`` belong to another cancer of a multi-cancer sentence: the
    first cancer named after them in the same clause is not mesothelioma ("stage I (T2, N0), II, or IIIA
    non-small cell lung cancer ... OR stage I or II mesothelioma", NCT00003974)."""
    after = re.split(r"[;.]", t[end : end + 160], maxsplit=1)[0]
    other = vocabulary().term_patterns["other_cancer"].search(after)
    if other is None:
        return False
    meso = _MESO_WORD.search(after)
    return meso is None or other.start() < meso.start()


def _stage_fact(t: str) -> Fact | None:
    m = next((m for m in _STAGE.finditer(t) if not _other_cancers(t, m.end())), None)
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
    if re.search(r"\bimig\b|international mesothelioma interest group", t):
        return "7"  # the IMIG 1995 system is the UICC/AJCC 6th-7th edition staging of pleural mesothelioma
    m = re.search(r"\b(7|8|9)(?:th)?\s*(?:edition|ed\.)|\b(ajcc|uicc|tnm)\s*v?(7|8|9)\b", t)
    if not m:
        return None
    return m.group(1) or m.group(3)


_UNRESECTABLE = re.compile(
    r"unresectable|cannot be (?:\w+ )?removed (?:by|with) (?:\w+ )?(?:surgery|operation)|"
    r"not (?:be )?(?:surgically )?removable|non-?resectable|inoperable|not (?:surgically )?resectable|"
    r"not (?:be )?(?:amenable|suitable|eligible|"
    r"a candidate|candidates?)\s+(?:to|for)\s+(?:\w+[\s(-]+){0,5}(?:surgery|resection|operation|surgical|"
    r"extra-?pleural pneumonectomy|pneumonectomy|pleurectomy|decortication|cytoreduct\w*)"
    r"|ineligible for (?:\w+[\s-]){0,3}(?:surgery|resection)"
    # "advanced non-hematologic malignancy", "advanced malignant pleural mesothelioma": beyond curative surgery
    r"|\badvanced\b(?! age)(?!(?:\s+[\w-]+){0,4}\s+(?:intra-?abdominal|abdominal|peritone))(?:\s+[\w-]+){0,3}\s+"
    r"(?:malignan\w*|cancers?|mesotheliom\w*|disease|solid tumou?rs?|mpm)"
    # "with clinical, radiological, or histologic evidence of incurability" (NCT00002608): beyond curative surgery
    r"|(?<!not )\bincurab(?:le|ility)\b"
    r"|no plans? (?:for|of) (?:\w+\s+){0,2}(?:surgery|surgical|resection)|(?:surgery|resection) must not be planned"
    r"|not (?:be )?planned for (?:\w+\s+)?(?:surgery|resection)"
)
_RESECTABLE = re.compile(
    r"(?:eligible|fit|candidates?) (?:for|to undergo) (?:\w+[\s-]+){0,2}?(?:extra-?pleural pneumonectomy|pleurectomy)|"
    r"(?<![\w-])resectable|amenable to (?:\w+[\s-]){0,3}(?:surgery|resection)|candidates? for (?:\w+[\s-]){0,3}"
    r"(?:surgery|resection|pleurectomy|cytoreducti)|planned (?:for )?(?:\w+[\s-]){0,2}(?:surgery|resection|"
    r"pleurectomy|cytoreducti|extrapleural)|(?<![\w-])operable"
    # "Fit to receive platinum-based chemotherapy ... and undergo a P/D" (NCT05304208)
    r"|\bundergo (?:an? )?(?:e?p/d|epp|extended pleurectomy)\b"
    # "Patient must be planning to undergo complete cytoreduction of all peritoneal disease" (NCT06057935)
    r"|(?:planning|scheduled|planned) to undergo (?:\w+[\s-]){0,2}(?:surgery|resection|pleurectomy|cytoreducti|"
    r"extrapleural|crs\b)"
    # "disease which can be debulked to a residual size of less than 1 cm" (NCT00004547): complete cytoreduction
    r"|can be (?:\w+ )?(?:debulked|cytoreduced)\b"
)


def _resectability_fact(t: str) -> Fact | None:
    if re.search(
        r"\bif (?:deemed |considered |found |judged )?(?:to be )?(?:resectable|operable)\b|"
        r"^\W*(?:patients|participants|those) with (?:potentially )?resectable\b.*\b(?:must|should|will|may|need)\b",
        t,
    ):
        # "Amenable to aggressive surgical resection, if deemed resectable", "Patients with potentially resectable
        # disease must have undergone mediastinoscopy" (NCT00354393): about a subgroup; but "Patients with
        # potentially resectable malignant pleural mesothelioma, IMIG stage I-III" (NCT00652574) is who the trial takes
        return None
    if re.search(r"\b(?:are|is) (?:also )?(?:eligible|allowed|permitted)\b", t):
        return None  # "... distant metastases are eligible, but considered unresectable": a permission
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
    r"(?:in|for) the 1st[- ]line (?:setting|treatment)|candidates? for 1st[- ]line|eligible for 1st[- ]line|"
    r"(?:there has been |with |had |have had |having had )?no (?:prior|previous) (?:treatment|therapy|anti-?tumou?r)|"
    r"not (?:been )?previously treated|no treatment (?:yet )?for (?:their|the|this) (?:mesothelioma|disease|cancer)"
)
_LINES_MIN = (
    re.compile(r"(?:received|had)\s+only\s+(\d)\s+(?:prior\s+|previous\s+)?(?:[\w-]+\s+){0,3}(?:lines?|regimens?)"),
    re.compile(
        r"(?:at least|>=|minimum of|a minimum of)\s*(\d)\s*(?:prior|previous|lines?|regimens?|systemic|courses?)"
    ),
    re.compile(r"(\d)\s*or more (?:prior |previous )?(?:lines?|regimens?|systemic|therapies|treatments)"),
)
#: a response to treatment already given: "Stable disease or response after chemotherapy" (NCT01241682)
_RESPONDED_AFTER = re.compile(
    r"(?:stable disease|(?:partial |complete |objective )?response|disease control|responding)\s+(?:or\s+[\w ]{0,20}?)?"
    r"(?:after|following|to|on)\s+(?:(?:the|prior|previous|first-line|1st-line|induction|platinum-based)\s+)*"
    r"(?:chemotherapy|treatment|therapy|1st[- ]line)"
)
_LINES_PROGRESSED = re.compile(
    r"no (?:\w+\s+){0,2}standard (?:\w+\s+){0,3}(?:exists?|exits|is available|available)|"
    r"standard (?:\w+\s+){0,4}(?:do|does) not exist|(?:are|is) no longer effective|"
    # "for which no effective therapy exists" (NCT00004877), "no satisfactory treatment exists" (NCT00006257),
    # "no effective treatment exists" (NCT00492830), "not amenable to conventional therapy" (NCT00005642): an
    # untreated mesothelioma has effective standard first-line treatment
    r"no (?:effective|satisfactory) (?:\w+\s+){0,1}(?:therapy|treatment)s? (?:exists?|is available)|"
    r"not amenable to (?:conventional|standard) (?:therapy|treatment)|"
    # "not eligible for treatment or no effective treatment exists" (NCT00492830), "not suitable for standard
    # treatment" (NCT04797468), "failed standard treatment or no standard treatment" (NCT03460457), "no options of
    # standard of care" (NCT06970795), "do not have standard treatment regimens" (NCT04797468): standard first-line
    # treatment exists for mesothelioma, and nothing in a case says a person cannot have it (docs/trials.md)
    r"(?:not (?:be )?(?:eligible|suitable|appropriate|a candidate)|ineligible|unsuitable) for (?!(?:\w+[\s-]+){0,2}"
    r"(?:surg|resect|operat|curative|radical|local|radiat|radiother))(?:(?:standard|conventional|systemic|available|"
    r"any|further|other|approved)\s+){0,2}(?:therapy|therapies|treatments?|care|chemotherapy|regimens?)\b|"
    r"\bfail(?:ed|ure of|ing)\s+(?:(?:the|all|available|prior|approved)\s+)?standard\s+(?:of care|(?:\w+\s+){0,2}?"
    r"(?:therapy|therapies|treatments?|regimens?|care))|"
    r"\b(?:no|(?:do|does) not have)\s+(?!(?:prior|previous)\b)"
    r"(?:(?:options?|effective|approved|available|other|further|established|accepted)\s+(?:of\s+)?){0,2}standard\s+"
    r"(?:of care|(?:\w+\s+){0,2}?(?:therapy|therapies|treatments?|regimens?|options?))"
    r"(?!\s+(?:within|in the|during))|"
    r"(?:had|received|undergone)\s+(?:or\s+(?:refused|declined)\s+)?(?:\w+[\s-]+){0,3}1st[- ]line|"
    r"(?:progress\w*|relaps\w*|recurr\w*|refractory|resistant|intoleran\w*)\s+(?:\w+\s+){0,3}(?:on|after|following|to|"
    r"despite|during)\s+(?:\w+[\s-]+){0,4}(?:1st[- ]line|therapy|treatment|chemotherapy|platinum|immunotherapy|regimen|"
    r"line)|(?:previously treated|pre-?treated)(?!\s+(?:\w+\s+)?(?:brain|cns|central nervous|cerebral|intracranial|"
    r"metasta|lesion))|received (?:\w+[\s-]+){0,3}(?:1st[- ]line)|"
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
        r"(?:no more than|not more than|no greater than|not greater than|at most|up to|maximum of|a maximum of|<=)"
        r"\s*(\d)\s*(?:prior|previous|lines?|regimens?|systemic)"
    ),
    # "no more than 1 combination or 2 single agent chemotherapy regimens" (NCT00413192): the larger count
    re.compile(
        r"(?:no more than|not more than|at most|up to|a maximum of|maximum of)\s*(?:\d\s+[\w-]+\s+or\s+)?(\d)\s+"
        r"(?:[\w-]+\s+){1,4}?(?:lines?|regimens?)"
    ),
    re.compile(r"(\d)\s*or (?:fewer|less) (?:prior |previous )?(?:lines?|regimens?)"),
    re.compile(r"(?:lines?|regimens?)\s*(?:<=)\s*(\d)\b"),
    re.compile(r"(?:received|had)\s+only\s+(\d)\s+(?:prior\s+|previous\s+)?(?:[\w-]+\s+){0,3}(?:lines?|regimens?)"),
)
_LINES_MORE_THAN = re.compile(
    r"(?<!no )(?<!not )(?<!no greater than )(?:more than|>|greater than)\s*(\d)\s*"
    r"(?:prior|previous|lines?|regimens?|systemic)"
)
_LINES_RANGE = re.compile(r"(\d)\s*(?:-|to|or)\s*(\d)\s*(?:prior |previous )?(?:lines?|regimens?)")
# "second-line", "first- or second-line", "2nd or 3rd line": the line of the treatment the trial gives, so the
# number of prior lines is one less. Not when the ordinal names a treatment already had ("after first-line ...").
_ORD = r"(?:1st|2nd|3rd|4th)"
_LINE_ORDINAL = re.compile(rf"\b{_ORD}(?:[- ]?line)?-?(?:\s*(?:,|or|and|/)\s*{_ORD}(?:[- ]?line)?-?)*(?:\s*line)?")
_ORDINAL_PAST = re.compile(
    r"(?:after|following|progress\w*|received|had|refused|declined|prior|previous|completed|of|on|failed|"
    r"failure of)\s+(?:\w+\s+){0,2}$"
)
_ORDINALS = {"1st": 1, "2nd": 2, "3rd": 3, "4th": 4}
_CLASS_QUALIFIER = ("platinum", "antifolate", "immunotherapy", "anti_pd1_pdl1", "anti_ctla4", "chemotherapy")
_EXPOSURE = re.compile(
    r"prior(?! to\b)|previous|previously|received|receiving|treated with|exposure|exposed|pre-?treated|history of|"
    r"naive|progress|refractory|relaps|failed|failure|intoleran"
)
_NOT_HISTORY = re.compile(
    r"hypersensitiv|allerg|contraindicat|adverse event|adverse reaction|toxicit|concurrent|concomitant|"
    r"current(?:ly)? receiv|will receive|randomi[sz]ed to|at the time of|administration|interrupt|"
    r"(?:will|is|are|be) not (?:be )?considered|will be considered"
)
_NEG_AGENT = re.compile(r"(?:\bno\b|\bnot\b|\bnever\b|\bwithout\b|\bfree of\b|\bnaive to\b|\bmust not\b)[^;]{0,60}$")
_PERMISSIVE = re.compile(
    r"(?:is|are|will be)\s+(?:\w+\s+)?(?:allowed|permitted|eligible|acceptable)|may (?:be )?(?:enrol|includ|particip|"
    r"have|eligible)|can (?:be )?(?:enrol|includ|particip|eligible)|(?<!not )(?<!no )\b(?:allowed|permitted)\b"
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


_OTHER_MALIGNANCY = re.compile(
    r"(?:\b(?:prior|previous|other|another|second|concurrent|secondary|additional)\s+(?:primary\s+|invasive\s+|active\s+)?"
    # not "prior cancer immunotherapy" (NCT04296994): anticancer treatment, not another cancer
    r"(?:malignan\w*|cancers?)\b(?!\s+(?:immunotherapy|therapy|therapies|treatments?|chemotherapy|drugs?|agents?))|"
    r"history of (?:an?other |other |a second )?(?:malignan\w*|cancer))"
)


#: the start of the trial's own treatment used as a point in time: "(the test has to be repeated 72 hours before
#: pembrolizumab treatment start)" (NCT02991482), "before the first dose of study drug": the drug named there is the
#: one the trial will give, not one the person must have had
_STUDY_START = re.compile(
    r"\b(?:before|prior to|after)\s+(?:the\s+)?(?:(?:first|1st)\s+dose|start|initiation|beginning)\s+of\s+"
    r"[^,;.()]{0,40}|\b(?:before|prior to)\s+(?:the\s+)?[\w-]+\s+(?:treatment\s+|therapy\s+)?"
    r"(?:start|initiation|administration)\b"
)


#: what happens to someone already in the trial: "Patients who progressed after chemotherapy will not be
#: discontinued from the trial if they are still eligible for eP/D" (NCT05304208) asks nothing of a new patient
_ON_TRIAL = re.compile(
    r"\bwill (?:not )?be (?:discontinued|withdrawn|removed|taken off|replaced)|\bwill (?:continue|remain) (?:on|in)\b"
)


def _for_other_cancer(clause: str) -> bool:
    """A treatment asked of another cancer's cohort: "Must have received an adequate course of any platinum-based
    chemotherapy regimen for ovarian cancer" (NCT00003046, which also takes peritoneal mesothelioma)."""
    m = re.search(r"\b(?:regimens?|therapy|treatment|chemotherapy)\s+for\s+", clause)
    if m is None or _MESO_WORD.search(clause):
        return False
    return _other_cancers(clause, m.end())


def _treatment_facts(t: str) -> list[Fact]:
    if _OTHER_MALIGNANCY.search(t) and not _MESO_WORD.search(t):
        return []  # "prior malignancy requiring anti-tumor treatment ...": about another cancer
    t = _STUDY_START.sub(" ", t)
    facts: list[Fact] = []
    for clause in re.split(r";|\.\s|\s(?:and|but)\s(?=(?:no|must|have|has|at least|prior)\b)", t):
        if _ON_TRIAL.search(clause) or _for_other_cancer(clause):
            continue
        facts += _clause_treatment_facts(clause)
    return facts


_ASIDE = re.compile(
    r"with or without [^,;.)]*|\([^)]*(?:allowed|permitted|eligible)[^)]*\)|\((?:or|and/or|e\.g\.?|such as)\b[^)]*\)|"
    r"(?:prior|previous) [^,;.()]* (?:is|are) (?:allowed|permitted)"
)


def _between_is_or(clause: str) -> bool:
    """Whether the drug names of a clause are joined by "or" ("and/or" included), not "and"."""
    mentions = _classes_in(clause)
    if len(mentions) < 2:
        return False
    between = clause[mentions[0][0] : mentions[-1][0]]
    return bool(re.search(r"\bor\b", between))


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


#: A time window about the last treatment ("no chemotherapy within 4 weeks", "at least 4 weeks since major
#: surgery", "must be completed at least 7 days before leukapheresis", "last dose ... more than 12 weeks ago"):
#: a washout, not a ban on ever having had it.
_WINDOW = re.compile(
    r"within (?:the )?(?:last |past |previous |preceding )?\d+\s*(?:hours?|days?|weeks?|wks?|months?)|"
    r"(?:at least|>=|more than|greater than|minimum of|a minimum of|>)\s*\d+\s*(?:hours?|days?|weeks?|wks?|months?)\s*"
    r"(?:since|before|prior|from|after|between|ago|of|must|have|has|should|elapsed|washout)|"
    r"\d+\s*(?:days?|weeks?|months?)\s*(?:washout|wash-out)|\bwash-?out\b|last dose|must be completed|"
    r"\d+\s*(?:days?|weeks?|months?)\s+(?:before|prior to)\s+(?:the\s+)?(?:first|start|registration|enrol|"
    r"randomi|day 1|study|leukapheresis|treatment|administration)"
)
#: Treatment the trial plans or will give: not treatment already had.
_FUTURE = re.compile(
    r"eligible (?:for|to receive)|planned|scheduled|candidates? (?:for|to receive)|"
    # "can be treated with ICIs after evaluation by a professional oncologist" (NCT04734067)
    r"(?:can|could|may|to) be treated with|(?:able|fit|suitable|willing) "
    r"(?:to receive|to undergo|for)|to receive|will (?:receive|undergo|be treated|be given|start)|going to|intend"
)
_LOCAL_WORDS = re.compile(
    r"(?P<rt>radiotherapy|radiation|irradiation|radiosurgery)|(?P<surgery>surgery|surgical|resection|lobectomy|"
    r"pneumonectomy|pleurectomy|decortication|thoracotomy|operation|extrapleural|extra-pleural)"
)


def _current_fact(c: str) -> Fact | None:
    """ "Currently receiving first-line treatment with pemetrexed + platinum" (NCT01085630)."""
    m = re.search(r"\bcurrently (?:receiving|on|undergoing|being treated)\b", c)
    if m and not _negated(c, m.start()):
        recent = re.search(
            r"\bor (?:has |have )?(?:received|had)\b[^;]{0,40}?\b(?:previous|past|last) (\d+) (months?|weeks?)", c
        )
        if recent:
            # "Either currently receiving, or has received in the previous 12 months, one of the following"
            # (NCT05554432): treatment now or recently, not only now
            months = int(recent.group(1)) / (1 if recent.group(2).startswith("month") else 4.345)
            return {"type": "lines", "min": 1, "max": None, "classes": [], "recent_months": round(months, 1)}
        return {"type": "current_treatment"}
    if re.match(r"^\W*concurrent [\w -]{0,80}(?:allowed|permitted)\b", c):
        return {"type": "current_treatment", "permissive": True}  # "Concurrent systemic chemotherapy allowed"
    return None


_RECOVERED = re.compile(
    r"recovered from (?:the )?(?:acute )?(?:any |all )?(?:toxic\w*|side[- ]effects|adverse (?:events|effects))"
    r"[^.;]{0,30}\b(?:prior|previous)\b"
)


def _recovered_fact(c: str) -> Fact | None:
    """ "Patients must have recovered from any toxicity from all prior chemotherapy, immunotherapy or radiotherapy"
    (NCT00001332, NCT00004547): like a waiting time, it concerns only what the person has had."""
    m = _RECOVERED.search(c)
    if not m:
        return None
    tail = c[m.start() :]
    classes: set[str] = set()
    for _, found in _classes_in(tail):
        agents = {k for k in found if k.startswith("agent:")}
        classes |= agents or found  # a drug named is that drug, not every drug of its class
    local = set()
    for x in _LOCAL_WORDS.finditer(tail):
        local.add("radiotherapy" if x.group("rt") else "surgery")
    return {"type": "washout", "classes": sorted(classes), "local": sorted(local), "had_within": False}


_DURATION = re.compile(r"(\d+)\s*(hours?|hrs?|days?|weeks?|wks?|months?|mos?|years?)\b")
#: The shortest and longest a unit can be, in days (a month is 28-31 days, a year 365-366), so that a waiting
#: time is only decided when every reading of it agrees.
_UNIT_DAYS = {"d": (1, 1), "w": (7, 7), "m": (28, 31), "y": (365, 366)}


def _window_days(c: str) -> tuple[int, int] | None:
    """The shortest and the longest waiting time the clause names, in days ("at least 4 weeks since prior
    chemotherapy or at least 6 weeks since prior radiation therapy": 28 and 42); None when it names none."""
    spans = []
    for m in _DURATION.finditer(c):
        n, unit = int(m.group(1)), m.group(2)[0]
        if unit == "h":
            spans.append((n // 24, -(-n // 24)))
        else:
            lo, hi = _UNIT_DAYS[unit]
            spans.append((n * lo, n * hi))
    if not spans:
        return None
    return min(lo for lo, _ in spans), max(hi for _, hi in spans)


def _washout_fact(c: str) -> Fact | None:
    if not _WINDOW.search(c) or re.search(r"progress|relaps|recurr|respon", c):
        return None
    classes: set[str] = set()
    for _, cl in _classes_in(c):
        classes |= {x for x in cl if x.startswith("agent:")} or cl
    local = _LOCAL_WORDS.search(c)
    what = []
    if local and local.group("rt"):
        what.append("radiotherapy")
    if (local and local.group("surgery")) or re.search(r"surgery|surgical", c):
        what.append("surgery")
    if not classes and not what and not re.search(r"therap|treatment|investigational|agent|drug", c):
        return None
    had_within = bool(
        re.search(r"\b(?:had|received|receiving|treated with|treatment with|history of)\b[^.;]*\bwithin\b", c)
    )
    fact: Fact = {"type": "washout", "classes": sorted(classes), "local": sorted(set(what)), "had_within": had_within}
    if (days := _window_days(c)) is not None:
        fact["days"] = list(days)
    return fact


_NOT_A_LIMIT = re.compile(
    # "There is no maximum allowable number of prior chemotherapy regimens" (NCT00496444)
    r"\bno (?:maximum|limit)\b[^.;]{0,40}(?:number|lines?|regimens?)|"
    # "If a subject has received more than three prior regimens ..., the PI and the sponsor will discuss subject
    # suitability" (NCT00460278): a case for discussion, not a requirement
    r"^\W*(?:\d+\.\s*)?if\b[^.;]*\b(?:will|to) (?:discuss|review|consider|decide)|"
    # "No prior high dose (pre transplant) chemotherapy" (NCT00004913), "Prior treatment with high dose chemotherapy"
    # (NCT00495144): a kind of chemotherapy (before a stem-cell transplant), not chemotherapy in general
    r"\bhigh[- ]dose\b[^.;]{0,30}chemotherap|"
    # "Previously untreated disease allowed" (NCT00007917): a permission, asks nothing
    r"^\W*(?:previously )?untreated (?:disease|patients?|tumou?rs?) (?:is |are )?(?:allowed|permitted|eligible)"
)
#: "progressed on standard therapy or for which no curative therapy exists" (NCT00006086): the second branch is met by
#: any tumour that cannot be cured, so the first is not a requirement
#: the part of a _LINES_PROGRESSED match that says standard treatment does not exist, failed or cannot be given
_NO_STANDARD = re.compile(r"standard|effective|satisfactory|eligible|suitable|appropriate|amenable|candidate")
_OR_INCURABLE = re.compile(r"\bor\b[^.;]{0,40}(?:no curative|not curable|incurable)|treatment option[^.;]{0,20}\bor\b")


def _clause_treatment_facts(c: str) -> list[Fact]:
    low: int | None = None
    high: int | None = None
    if _NOT_A_LIMIT.search(c):
        return []
    if washout := _washout_fact(c):
        return [washout]
    if current := _current_fact(c):
        return [current]
    m = next((x for x in _LINE_ORDINAL.finditer(c) if "line" in x.group(0)), None)
    if (
        m
        and not _ORDINAL_PAST.search(c[: m.start()])
        and (
            not re.match(r"\s*(?:platinum|chemo|immuno|therapy|treatment\s+with)", c[m.end() :])
            or re.search(r"\bas\s+$|eligible for|candidates? for", c[: m.start()])
        )
    ):
        ordinals = [_ORDINALS[o] for o in re.findall(r"1st|2nd|3rd|4th", m.group(0))]
        low, high = min(ordinals) - 1, max(ordinals) - 1
        if high == 0 and re.search(r"no longer effective|(?:do|does) not exist|failed|refractory|progress", c):
            return []  # "... no longer effective, or would otherwise be eligible for ... first-line": either
    if low is None and (r := _LINES_RANGE.search(c)):
        low, high = int(r.group(1)), int(r.group(2))
    if low is None:
        for pattern in _LINES_MIN:
            if mm := pattern.search(c):
                low = int(mm.group(1))
                break
    if low is None and (mt := _LINES_MORE_THAN.search(c)):
        low = int(mt.group(1)) + 1
    if low is None and (resp := _RESPONDED_AFTER.search(c)) and not _negated(c, resp.start()):
        low = 1  # "Stable disease or response after chemotherapy" (NCT01241682): treated, and not progressed
    no_standard = False
    progressed = _LINES_PROGRESSED.search(c)
    if progressed and _OR_INCURABLE.search(c):
        progressed = None
    if low is None and progressed:
        negation = _NEG_AGENT.search(c[: progressed.start()])
        if negation is None or re.search(r"progress|respon", negation.group(0) + progressed.group(0)):
            low = 1
            no_standard = bool(_NO_STANDARD.search(progressed.group(0)))
    for pattern in _LINES_MAX:
        if mx := pattern.search(c):
            high = int(mx.group(1))
            break
    if low is None and high is None and _LINES_NAIVE.search(c):
        high = 0
        low = 0
    if low is not None or high is not None:
        qualifiers = _qualifiers(c) if (low or 0) >= 1 else []
        line: Fact = {"type": "lines", "min": low, "max": high, "classes": qualifiers}
        if len(qualifiers) > 1 and _between_is_or(c):
            line["classes_any"] = True  # "cisplatin or carboplatin", "platinum and/or pemetrexed"
        if (low or 0) >= 1 and re.search(r"\b(?:refus|declin)\w*", c):
            line["or_refused"] = True  # "must have had or refused first-line chemotherapy"
        if no_standard:
            line["no_standard"] = True  # "no standard therapy exists", "not eligible for treatment": said why
        facts: list[Fact] = [line]
        if (low or 0) >= 1:
            if _NOT_PROGRESSED.search(c):
                facts.append({"type": "progression", "progressed": False})
            elif _PROGRESSED.search(c):
                facts.append({"type": "progression", "progressed": True})
        return facts
    if re.search(r"\biraes?\b|immune[- ](?:related|mediated) (?:adverse|side|toxicit)", c):
        # "Grade 3 or Grade 4 irAEs related to prior cancer immunotherapy" (NCT04296994), "any > 3 degree
        # immune-related adverse event during any previous immunotherapy" (NCT03460457): side effects of a treatment
        # had, which concern only a person who had it
        named = {x for _, cl in _classes_in(c) for x in cl if not x.startswith("agent:")} & {"immunotherapy"}
        return [
            {
                "type": "prior_agent",
                "classes": sorted(named or {"immunotherapy"}),
                "present": True,
                "permissive": False,
                "side_effects": True,
            }
        ]
    # No count of lines: a statement about prior exposure to named drugs or classes.
    if (_NOT_HISTORY.search(c) and not _PERMISSIVE.search(c[:60])) or not _EXPOSURE.search(c):
        return []
    mentions = _classes_in(c)
    if not mentions:
        return []
    future = _FUTURE.search(c)
    if (
        future
        and future.start() < mentions[0][0]
        and not re.search(r"prior|previous|received|had\b", c[: future.start()])
    ):
        return []  # "eligible for 2 to 4 cycles of platinum chemotherapy": planned, not had
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

_MEASURABLE = re.compile(
    # "... MM, that can be measured in two dimensions by a radiologic imaging study" (NCT01241682)
    r"(?<![\w-])measurable|can be measured in (?:two|2|one|1|at least one) dimensions?|"
    r"(?:\bm?recist\b).{0,40}(?:lesion|disease)|target lesion|"
    # "at least one evaluable lesion assessed as per RECIST1.1 criteria" (NCT04797468)
    r"\bevaluable (?:lesions?|disease)\b[^;.]{0,40}\bm?recist|"
    r"lesions?\b[^;.]{0,20}\b(?:accurately )?measured in at least (?:1|one) dimension"
)
_BRAIN = re.compile(
    r"(?:brain|cns|central nervous system|cerebral|intracranial)(?:\s+(?:or|and|and/or)\s+[\w-]+)?\s+"
    r"(?:\([\w\s]+\)\s+)?(?:\w+\s+)?"
    r"(?:metasta\w*|lesions?|involvement|"
    # "The patient has known brain tumors." (NCT00492830)
    r"disease|mets|tumou?rs?)|metasta\w*\s+(?:to|in|of)\s+the\s+(?:brain|cns|central nervous system)|leptomeningeal"
)
_BRAIN_QUALIFIED = re.compile(
    r"active|untreated|symptomatic|progress|unstable|uncontrolled|requiring|new(?:ly)?|leptomeningeal|unresponsive|"
    r"not (?:been )?(?:treated|stable)|stable|treated"
)


_BRAIN_ACTIVE = re.compile(
    # "No brain metastases unresponsive to irradiation or surgery" (NCT00002475): treated ones that responded are let in
    r"\bactive|untreated|symptomatic|progressi\w*|unstable|uncontrolled|not (?:been )?(?:treated|stable)|"
    r"unresponsive|not responding|refractory to|"
    r"requiring (?:steroids|corticosteroids|treatment|therapy)"
)


def _measurable_fact(t: str) -> Fact | None:
    if re.match(r"^\W*(?:[a-z ]{2,25}:\s*)?(?:at least|>=)\s*\d+\s*(?:days?|weeks?|months?)\s+since", t):
        # "[Radiotherapy:] At least 4 weeks since prior radiotherapy to target lesion and progression observed"
        # (NCT00004920): a washout with a condition on the lesion treated, not a need for measurable disease
        return None
    if re.search(r"no evidence of (?:disease|residual)|\bned\b|minimal residual disease", t) and not re.search(
        # "no other diagnosis of malignancy (unless ... diagnosed >=5 years ago, with no evidence of disease for 5
        # years" (NCT00460278): about another cancer
        r"\bother\b[^.;]{0,30}(?:malignan|cancer)|(?:malignan\w*|cancer) diagnosed",
        t,
    ):
        # "with no evidence of disease (NED) or minimal residual disease" (NCT01143545): nothing left to measure
        return {"type": "measurable", "present": False, "or_evaluable": False}
    m = _MEASURABLE.search(t)
    if not m:
        return None
    if m.group(0) == "target lesion" and re.search(
        r"radiotherap|irradiat|radiation|target lesions? (?:had|has|have) (?:\w+ )?(?:received|been|undergone)", t
    ):
        # "The target lesion had received immune-related treatment ... before" (NCT04734067): its history, likewise
        # "Concurrent palliative radiotherapy to painful lesions allowed only if target lesion outside of irradiated
        # field" (NCT00004920): where radiotherapy may go, a condition on the lesion, not a need of one
        return None
    if re.search(r"(?<![\w-])measurable\s+(?:or|and/or)\s+non-?\s?measurable|measurable\b[^;()]{0,30}\bor not\b", t):
        # "Evaluable disease (measurable as per RECIST 1.1. or not)" (NCT03514368)
        # "measurable or non-measurable disease": any disease will do
        return {"type": "measurable", "present": True, "or_evaluable": True, "any": True}
    evaluable = bool(re.search(r"evaluable\s+or\s+measurable|measurable\s+or\s+evaluable", t)) or m.group(0).startswith(
        "evaluable"
    )
    negated = _negated(t, m.start())
    if negated and re.search(
        r"\b(?:no|not|without)\s+(?:[\w-]+\s+){0,2}\w+(?:omas|cancers|tumou?rs|leuka?emias)\s+$",
        t[max(0, m.start() - 40) : m.start()],
    ):
        # flattened PDQ text, "Diagnosis of advanced solid tumor No lymphomas Measurable disease" (NCT00004913): the
        # "No" belongs to the cancer named before "measurable", a separate item
        negated = False
    return {"type": "measurable", "present": not negated, "or_evaluable": evaluable}


def _brain_fact(t: str) -> Fact | None:
    m = _BRAIN.search(t)
    if not m:
        return None
    # "No symptomatic, untreated, or uncontrolled CNS metastases" (NCT00459862): a list after "no"
    listed = re.match(r"^\W*(?:no|absence of|without|free of)\b[^.;]{0,80}$", t[: m.start()])
    return {
        "type": "brain_mets",
        "present": not (_negated(t, m.start()) or listed),
        "qualified": bool(_BRAIN_QUALIFIED.search(t)),
        # an aside in brackets that allows some ("... (patients with treated metastases may be included)") does
        # not make the criterion itself a permission
        "permissive": bool(_PERMISSIVE.search(re.sub(r"\([^)]*\)?", " ", t))),
        # "(unless the participant has completed successful local therapy for CNS metastases ...)": the treated
        # ones are let in, so only active ones count (NCT01139775)
        "active": (
            bool(_BRAIN_ACTIVE.search(t) or re.search(r"\b(?:unless|except)\b[^.]{0,80}(?:treat|therap|stable)", t))
            and not re.search(r"leptomening", t)
        ),
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


@dataclass(frozen=True)
class Reading:
    """What the trial as a whole tells the reader of one criterion: which site "MPM" names (a peritoneal trial
    writes MPM for malignant peritoneal mesothelioma)."""

    mpm_site: str = "pleura"


_PLAIN_READING = Reading()

# -- prior local treatment, pleural effusion, biomarkers, T/N/M categories, basket cohorts

_PRIOR_LOCAL = re.compile(
    r"(?:prior|previous|previously|history of|had|received|undergone|underwent)\s+(?:[\w/-]+\s+){0,4}?"
    r"(?:(?P<rt>radiotherapy|radiation|irradiation|radiosurgery)|(?P<surgery>surgery|surgical resection|resection|"
    r"surgical (?:treatment|procedure|therapy)|lobectomy|pneumonectomy|pleurectomy|decortication|thoracotomy|"
    r"thoracic surgery|operation|"
    r"extra-?pleural pneumonectomy|lobectomy/pneumonectomy))"
)
_SPECIFIC_SURGERY = re.compile(r"lobectomy|pneumonectomy|pleurectomy|decortication|extra-?pleural|thoracotomy")


def _prior_local_facts(t: str) -> list[Fact]:
    facts: list[Fact] = []
    for clause in re.split(r";|\.\s", t):
        if _WINDOW.search(clause):
            continue  # a washout (see _washout_fact)
        for m in _PRIOR_LOCAL.finditer(clause):
            what = "prior_radiotherapy" if m.group("rt") else "prior_surgery"
            if any(f["type"] == what for f in facts):
                continue
            future = _FUTURE.search(clause[: m.start()])
            if future:
                continue
            if what == "prior_surgery" and re.search(
                r"absorption|abdomin|gastr|bowel|intestin|colon|liver|brain|cranial|spin|orthop|laparotomy|"
                r"cytoreduct|peritone|pelvi|biops",
                clause,
            ):
                continue  # an operation elsewhere than the chest: the case does not hold it
            facts.append(
                {
                    "type": what,
                    "present": not (_NEG_AGENT.search(clause[: m.start()]) or re.match(r"^\W*no\b", clause)),
                    # "Recovered from prior surgery": only for those who had it
                    "permissive": bool(re.search(r"allowed|permitted|eligible|acceptable|recovered from", clause)),
                    "specific": bool(_SPECIFIC_SURGERY.search(m.group(0))) if what == "prior_surgery" else False,
                    "chest": bool(re.search(r"chest|thora|lung|pleura|mediastin|hemithorax|ipsilateral", clause)),
                }
            )
    # "Previous chemotherapy or radiation": the second treatment has the same "previous"
    if not any(f["type"] == "prior_radiotherapy" for f in facts):
        m2 = re.search(r"(?:prior|previous)\s+[\w-]+\s+(?:or|and/or|and)\s+(radiotherapy|radiation)", t)
        if m2 and not _WINDOW.search(t):
            facts.append(
                {
                    "type": "prior_radiotherapy",
                    "present": not _NEG_AGENT.search(t[: m2.start()]),
                    "permissive": bool(re.search(r"allowed|permitted|eligible", t)),
                    "specific": False,
                    "chest": False,
                }
            )
    return facts


#: "plural effusion" (NCT02300883) is a misspelling seen in real records; a bare "effusion" ("Drainage of effusion
#: with chest tube or soft catheter required", NCT00002872) is a pleural one unless another cavity is named
_EFFUSION = re.compile(
    r"pl(?:e|eu)?ural effusions?|\bmpe\b|malignant pleural (?:disease|fluid)|"
    r"(?<!pericardial )(?<!peritoneal )(?<!joint )\beffusions?\b"
)


_EFFUSION_NOT_REQUIRED = re.compile(
    r"not (?:be )?considered (?:as )?measurable|(?:are|is) not measurable|must (?:have been|be) (?:treated|controlled|"
    r"drained)|brought under control|should (?:have|be)|drained prior|if present|will be drained"
)


def _effusion_fact(t: str, kind: Kind = "inclusion") -> Fact | None:
    """A pleural effusion as a requirement ("patients with a symptomatic MPE", AMPLE-3) or an exclusion
    ("uncontrolled pleural effusion"), not a remark on how one is handled ("symptomatic pleural effusion must have
    been treated and brought under control", "pleural effusions are not considered measurable")."""
    m = _EFFUSION.search(t)
    if not m:
        if re.search(r"\blung re-?expan|\bre-?expansion of the lung|\btrapped lung", t):
            # "Lung re-expansion demonstrated on chest x-ray" (NCT00002872): about the lung after an effusion is
            # drained; it concerns only a person with an effusion
            return {"type": "effusion", "present": True, "symptomatic": False, "qualified": True, "conditional": True}
        return None
    before = t[: m.start()]
    negated = _negated(t, m.start()) or bool(re.match(r"^\W*(?:no|absence of|without|unavailab\w*)\b", t))
    if re.search(r"on the (?:same )?side of the effusion|\bbilateral pleural effusions?\b", t):
        # "a lobectomy or pneumonectomy on the side of the effusion", "bilateral pleural effusions, with both being
        # at least moderate in size" (NCT02227732): the effusion locates something else; having one is not in question
        return None
    if m.group(0).startswith("effusion") and negated:
        return None  # "No chylous effusion", "No bilateral effusions" (NCT00002622, NCT00042770): a kind, not any
    if re.search(r"pericardial|ascites", before) and "pleural" not in before and not re.search(r"\bor\s*$", before):
        return None  # "pericardial effusion, ascites", but not "ascites or pleural effusions" (NCT01139775)
    qualified = bool(
        re.search(
            r"uncontrolled|requiring|recurrent drainage|repeated drainage|frequent|clinically significant|cannot be "
            r"(?:controlled|managed|drained)|third[- ]space",
            t,
        )
    )
    if re.search(r"\bprior (?:pleurodesis|[a-z ]{0,20}surgery)\b", before) and re.search(r"\ballowed\b", t):
        # "Prior pleurodesis or chest surgery on the same side of the effusion is allowed as long as there is a free
        # flowing pleural effusion" (NCT00004033): about the earlier procedure, not a requirement on the effusion
        return None
    # "All patients undergoing thoracoscopy for suspected malignant pleural effusion are eligible" (NCT00644319): who
    # the trial is for, not a remark on an effusion being allowed
    who = bool(re.match(r"^\W*all (?:patients|participants|subjects)\b", t))
    if (re.search(r"(?:allowed|permitted|eligible|acceptable)\b", t) and not who) or _EFFUSION_NOT_REQUIRED.search(t):
        return {"type": "effusion", "present": True, "symptomatic": False, "qualified": True, "permissive": True}
    if kind == "inclusion" and re.search(r"other than|indicator lesions?|lesions? other|measurab|bone scan", t):
        return None  # "indicator lesions other than ... pleural effusions": not a requirement to have one
    return {
        "type": "effusion",
        "present": not negated,
        "symptomatic": bool(re.search(r"symptomatic", t)),
        "qualified": qualified,
    }


_PERCENT = re.compile(r"(?:>=|>|at least|greater than|more than|of at least)?\s*(\d{1,3})\s*%")
_BIOMARKERS: tuple[tuple[str, re.Pattern[str], tuple[tuple[re.Pattern[str], str], ...]], ...] = (
    (
        "mesothelin",
        re.compile(r"(?<!anti-)(?<!anti )\b(?:mesothelin|msln)\b"),
        (
            (
                re.compile(r"negative|absent|no (?:mesothelin|msln) expression|not expressed|does not express"),
                "negative",
            ),
            (re.compile(r"express|positiv|\+|staining|ihc|immunohisto|%|high"), "positive"),
        ),
    ),
    (
        "bap1",
        re.compile(r"\bbap-?1\b"),
        (
            (re.compile(r"retained|intact|wild[- ]?type|proficient"), "retained"),
            (re.compile(r"loss|lost|deficien|negative|mutat|alter|inactivat|deleted|deletion"), "loss"),
        ),
    ),
    (
        "mtap",
        re.compile(r"\bmtap\b"),
        (
            (re.compile(r"retained|intact|proficient"), "retained"),
            (re.compile(r"loss|lost|deficien|negative|deleted|deletion|null"), "loss"),
        ),
    ),
    (
        "cdkn2a",
        re.compile(r"\bcdkn2a\b|\bp16\b"),
        (
            (re.compile(r"intact|wild[- ]?type|retained"), "intact"),
            (re.compile(r"delet|loss|lost|deficien|alter|mutat"), "deleted"),
        ),
    ),
    (
        "nf2",
        re.compile(r"\bnf2\b|merlin"),
        (
            (re.compile(r"wild[- ]?type|intact|retained"), "wild_type"),
            (re.compile(r"mutat|alter|loss|lost|deficien|inactivat|delet"), "altered"),
        ),
    ),
)
_PDL1 = re.compile(r"(?<!anti-)(?<!anti )\bpd-?l1\b(?!\s*(?:inhibitor|antibod|blockade|therap|agent|drug))")


def _biomarker_facts(t: str) -> list[Fact]:
    # "... sarcomatoid mesothelioma as mesothelin is not expressed in this type" (NCT01583686): a reason, not a test
    t = re.split(r"\b(?:as|because|since)\s+(?=(?:\w+\s+){1,3}(?:is|are)\s+(?:not\s+)?(?:expressed|present|lost))", t)[
        0
    ]
    if _EXPOSURE.search(t) and re.search(r"therap|treatment|agent|inhibitor|antibod|drug", t):
        return []  # "prior anti-mesothelin therapy": about treatment, not the tumour's markers
    facts: list[Fact] = []
    for name, term, states in _BIOMARKERS:
        m = term.search(t)
        if not m:
            continue
        window = t[max(0, m.start() - 60) : m.end() + 60]
        for pattern, state in states:
            if pattern.search(window):
                fact: Fact = {"type": "biomarker", "marker": name, "want": state}
                if name == "mesothelin" and (p := _PERCENT.search(window)):
                    fact["min_percent"] = int(p.group(1))
                facts.append(fact)
                break
    if m := _PDL1.search(t):
        window = t[m.start() : m.end() + 80]
        p = _PERCENT.search(window)
        if re.search(r"negative|<\s*1\s*%", window):
            facts.append({"type": "biomarker", "marker": "pdl1", "max_percent": 1})
        elif p:
            facts.append({"type": "biomarker", "marker": "pdl1", "min_percent": int(p.group(1))})
    return facts


_TNM_PART = {
    cat: re.compile(rf"\b(?:c|p|yp)?{cat}(?P<a>[0-4x])[abc]?(?:\s*(?:-|to|through)\s*{cat}?(?P<b>[0-4])[abc]?)?\b")
    for cat in ("t", "n", "m")
}


#: Where the disease has spread, in words: "No contralateral thoracic or intra-abdominal involvement" (NCT00003263),
#: "the disease is confined to the peritoneal cavity" (NCT00004547), "distant metastatic disease" (NCT07121374),
#: "a ... confirmed metastatic solid tumor" (NCT02614456)
_EXTENT_TERMS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "contralateral_thoracic",
        re.compile(
            r"contralateral (?:thoracic|chest|hemithorax|pleural?|lung)\b(?: \w+)?(?: or [\w-]+)? "
            r"(?:involvement|extension|disease|spread|metasta)"
            # "Presence of metastatic or contralateral disease" (NCT05655078, an exclusion)
            r"|\bmetastatic or contralateral (?:disease|involvement)"
        ),
    ),
    (
        "intra_abdominal",
        re.compile(
            r"(?:intra-?abdominal|intraperitoneal|transdiaphragmatic) (?:involvement|extension|spread)|"
            r"intra-?abdominal (?:disease|metasta)"
        ),
    ),
    ("confined_peritoneal", re.compile(r"confined to the (?:peritoneal cavity|abdomen|abdominal cavity)")),
    (
        "distant",
        re.compile(
            r"distant (?:metasta\w*|disease|spread)|(?<!or )\bmetastatic (?:solid )?(?:tumou?r|disease|cancer)"
            r"(?! or| and/or)|\bmetastatic or contralateral (?:disease|involvement)"
        ),
    ),
)
_EXTENT_PERMISSIVE = re.compile(r"\b(?:are|is) (?:also )?(?:eligible|allowed|permitted)\b")


def _extent_fact(t: str, kind: Kind) -> Fact | None:
    if re.search(r"(?:confined|limited) to (?:one|1|the|a single|the ipsilateral|the unilateral) hemi-?\s?thorax", t):
        # "Disease confined to one hemi-thorax" (NCT02040272, MARS 2): nothing beyond it, nearby or far
        what = ["contralateral_pleura_lung", "intra_abdominal", "distant"]
        return {
            "type": "extent",
            "what": what,
            "present": False,
            "permissive": False,
            "loose": False,
            "nodes_open": True,
        }
    found = [(name, m) for name, pattern in _EXTENT_TERMS if (m := pattern.search(t))]
    if not found:
        return None
    if [n for n, _ in found] == ["distant"] and re.search(
        r"\b(?:brain|cns|bone|liver)\b[^;,.]{0,12}metasta|extra-?abdominal metasta|(?:advanced|recurrent)/metastatic|"
        r"metastatic setting|for (?:the )?(?:advanced or |locally advanced or )?metastatic disease",
        t,
    ):
        # "brain metastases" (their own criteria); "minimal extraabdominal metastatic disease" (NCT00001332); "lines
        # of chemotherapy for the advanced/metastatic disease" (NCT01139775): what treatment was for, not the spread
        return None
    first = min(m.start() for _, m in found)
    negated = _negated(t, first) or bool(re.match(r"^\W*no\b", t))
    return {
        "type": "extent",
        "what": [name for name, _ in found],
        "present": not negated,
        "permissive": bool(_EXTENT_PERMISSIVE.search(t)),
        # "must have a ... metastatic solid tumor" (NCT02614456) is often written for any advanced cancer
        "loose": kind == "inclusion" and bool(re.search(r"\bmetastatic (?:solid )?(?:tumou?r|cancer)", t)),
    }


#: a T and N category written together: "T1N1, T2N0, T2N1, T3N0, T3N1 disease", "T1N0 disease" (NCT05655078)
_TN_PAIR = re.compile(r"\b(?:c|p|yp)?t([0-4])[abc]?\s?n([0-3])\b")


#: a T category alone, written as the disease: "T4 disease", "T3 tumours"
_LONE_T = re.compile(r"\b(?:c|p)?t[0-4][abc]?\s+(?:disease|tumou?rs?)\b")


def _tnm_fact(t: str) -> Fact | None:
    if pairs := _TN_PAIR.findall(t):
        # the combinations the criterion names, each a T with its N; the M is a criterion of its own. A T written
        # alone beside them is that T without nodes ("T4 and T4N1 disease", NCT05655078)
        combos = [[int(a), int(b)] for a, b in pairs]
        alone = re.sub(_TN_PAIR, " ", t)
        combos += [[int(x), 0] for x in re.findall(r"\b(?:c|p)?t([0-4])[abc]?\b(?!\s*[-,]?\s*n\d)", alone)]
        return {"type": "tnm", "pairs": combos, "edition": _edition(t)}
    found: dict[str, list[int]] = {}
    for cat, pattern in _TNM_PART.items():
        m = next((m for m in pattern.finditer(t) if not _other_cancers(t, m.end())), None)
        if m and m.group("a") != "x":
            lo = int(m.group("a"))
            found[cat] = [lo, int(m.group("b")) if m.group("b") else lo]
            if _negated(t, m.start()):
                # "No N2 or N3 involvement" (NCT00227630): every category but those named
                both = [x for x in pattern.findall(t[m.start() : m.start() + 30]) if x[0] != "x"]
                named = {int(d) for a, b in both for d in (a, b) if d}
                allowed = [d for d in range(0, 4 if cat != "m" else 2) if d not in named]
                if not allowed:
                    return None
                found[cat] = [min(allowed), max(allowed)]
    if "m" not in found and re.search(r"\b(?:no|without)\s+(?:evidence of\s+)?distant\s+metasta", t):
        found["m"] = [0, 0]  # "No distant metastases" (NCT00003263): M0
    lone_t = _LONE_T.search(t) if found.keys() == {"t"} else None
    if (len(found) < 2 and "t" in found and not lone_t) or not found:
        return None  # a lone "T1" is too often something else ("T1-weighted"); "T4 disease" is a T category
    fact: Fact = {"type": "tnm", **found, "edition": _edition(t)}
    if lone_t and re.match(r"\s*(?:with|involving|invading)\b", t[lone_t.end() :]):
        # "T4 disease with invasion to heart and diaphragm" (NCT05655078): only some tumours of that category;
        # which structures the person's tumour invades is for the team to check
        fact["qualified"] = True
    return fact


#: "... except for patients diagnosed with mesothelioma" (NCT00703638): the criterion does not apply to them.
_MESO_EXEMPT = re.compile(
    r"except (?:for )?(?:in )?(?:patients|participants|subjects|those)?\s*(?:with|diagnosed with|who have)\s+"
    r"(?:\w+\s+){0,2}mesotheliom|mesothelioma patients (?:may|can) be (?:enrolled|included)|"
    r"(?:does|do) not apply to (?:patients with )?(?:\w+\s+)?mesotheliom"
)


_CONDITION_LIST = re.compile(
    r"\b(?:in|for|among) (?:patients|participants|subjects|those|people|women|men) (?:with|who)\b[^:]{0,40}:\s*$",
    re.IGNORECASE,
)


def _tumor_type_fact(t: str, kind: Kind) -> Fact | None:
    """ "Given the indolent nature of well-differentiated papillary mesothelioma and multicystic mesothelioma, patients
    with these variants are not eligible" (NCT05001880): the WHO 2021 tumour type (``tumor_type``)."""
    if not re.search(r"well[- ]differentiated papillary", t):
        return None
    excluding = kind == "exclusion" or bool(re.search(r"not (?:be )?eligible|excluded|ineligible|not allowed", t))
    if not excluding:
        return None
    return {"type": "tumor_type", "excluded": ["well_differentiated_papillary"], "kind": kind}


def _cohort_fact(t: str) -> Fact | None:
    """A nested item for another cancer's cohort of a basket trial (NCT02414269: "Non-small cell lung cancer
    metastatic to the pleura - previously treated ..."): it applies only to people with that cancer."""
    if _MESO_WORD.search(t):
        return None
    m = vocabulary().term_patterns["other_cancer"].search(t[:80])
    if m is None or re.search(r"\b(?:no|not|without|other than|except|excluding)\b[^,;.]{0,25}$", t[: m.start()]):
        return None
    return {"type": "cohort", "disease": m.group(0)}


#: Sentences that inform rather than require ("Note that there is no staging system for peritoneal
#: mesothelioma", "Patients with pleural mesothelioma will be clinically staged using ..."): read for no facts.
_INFORMATIONAL = re.compile(
    r"^\W*(?:note\b|n\.?b\.?\b|for example\b)|will (?:only )?be (?:\w+ )?(?:staged|followed|discussed|reviewed|"
    r"considered measurable|used|collected|asked|requested)|(?:are|is) the preferred|preferred methods?|"
    r"must (?:undergo|have) (?:a |an )?(?:ct|mri|scan|imaging|head ct|brain mri)|suggestive of|(?:is|are) not required|"
    r"(?:are|is) considered to|do(?:es)? not (?:need|require)|need not|"
    r"not (?:be )?considered (?:as )?measurable|(?:are|is) not (?:considered )?measurable|"
    r"(?:are|is) not considered\b|"
    r"^\W*[\w\s/()*-]{0,40}?\b(?:is|are) defined as\b"
)


def _requirements(t: str) -> str:
    sentences = re.split(r"(?<=[a-z0-9)\]%])\.\s+", t)
    kept = [s for s in sentences if not _INFORMATIONAL.search(s)]
    return ". ".join(kept)


def extract_facts(text: str, kind: Kind = "inclusion", reading: Reading = _PLAIN_READING) -> tuple[Fact, ...]:
    """Every fact a criterion states, in :data:`CRITERION_TYPES` order (see the module docstring). Each
    sentence that only informs is left out; every requirement of the rest is a fact of its own, and a criterion
    is met only when all of them hold (``evaluate.py``)."""
    t = _requirements(_prepare(normalise(text)))
    facts: list[Fact] = []
    facts += _site_facts(t, kind, reading)
    if f := _histology_fact(t):
        facts.append(f)
    if f := _stage_fact(t):
        facts.append(f)
    if f := _tnm_fact(t):
        facts.append(f)
    if f := _extent_fact(t, kind):
        facts.append(f)
    if f := _resectability_fact(t):
        facts.append(f)
    brain = _brain_fact(t)
    # "CNS metastases (unless ... local therapy ... and off corticosteroids for at least 4 weeks ...)" (NCT01139775):
    # the treatment named after "unless" says which metastases are let in, it is not a condition of its own
    exception = re.search(r"\b(?:unless|except)\b", t) if brain else None
    history = t[: exception.start()] if exception else t
    facts += _treatment_facts(history)
    facts += _prior_local_facts(history)
    if not any(f["type"] == "washout" for f in facts) and (recovered := _recovered_fact(history)):
        facts.append(recovered)
    if f := _ecog_fact(t):
        facts.append(f)
    if f := _measurable_fact(t):
        facts.append(f)
    if brain:
        facts.append({**brain, "kind": kind})
    else:
        facts += _contraindication_facts(t)
    if f := _effusion_fact(t, kind):
        facts.append(f)
    facts += _biomarker_facts(t)
    if _OTHER_MALIGNANCY.search(t) and not _MESO_WORD.search(t):
        # "No other prior malignancy ... except ... stage I or II cancer in complete remission": the stage,
        # treatment and cell type are the other cancer's
        facts = [
            f for f in facts if f["type"] not in ("stage", "tnm", "extent", "histology", "lines", "prior_agent", "site")
        ]
    if f := _tumor_type_fact(t, kind):
        facts.append(f)
    labs = lab_facts(t)
    if labs:  # "significant renal impairment (serum creatinine > 1.7 mg/dL)": the threshold says what counts
        facts = [f for f in facts if f["type"] != "contraindication" or f["code"] != "renal_impairment"]
    facts += labs
    if f := organ_function_fact(t):
        facts.append(f)
    if f := organ_disease_fact(t):
        # "No severe renal or liver disease" (NCT00644319): read from the results, in place of a condition the case
        # would have to list
        facts = [x for x in facts if x["type"] != "contraindication" or x["code"] != "renal_impairment"]
        facts.append(f)
    if f := _age_fact(t):
        facts.append(f)
    if _PREGNANCY.search(t):
        facts.append({"type": "pregnancy"})
    return tuple(facts)


_TREATMENT_TYPES = frozenset({"prior_agent", "lines", "washout", "prior_surgery", "prior_radiotherapy"})
_LABEL_PREFIX = re.compile(r"^\s*([A-Z][A-Za-z ]{2,25}):\s+")
_NEGATED_HEAD = re.compile(r"^\W*(?:no|none of the following|absence of|without)\b[^:]*:\s*$", re.IGNORECASE)


#: PDQ therapy sub-labels and the words that show an item already names its own treatment
_THERAPY_LABELS = {
    "Chemotherapy": r"chemo|cytotoxic",
    "Radiotherapy": r"radi",
    "Biologic therapy": r"biologic|immuno|vaccin|antibod",
    "Immunotherapy": r"immuno",
    "Endocrine therapy": r"endocrine|hormon",
}


def _fact_text(c: Criterion) -> str:
    """The text a criterion's facts are read from: without a leading PDQ sub-label ("Biologic therapy: No prior
    biologic therapy"), and with the "No" of a list head it belongs to ("No known history of the following:" /
    "Leptomeningeal disease")."""
    text = c.text
    m = _LABEL_PREFIX.match(text)
    if m and m.group(1).strip() in vocabulary().pdq_sub_labels:
        label, text = m.group(1).strip(), text[m.end() :]
        # the label says what a bare item is about: "Age: 18 and over" (NCT00003263), "Chemotherapy: At least 4
        # weeks since therapy" (NCT00002465) is a waiting time after chemotherapy
        if label == "Age" and not re.search(r"\bage", text, re.IGNORECASE):
            text = "Age " + text
        elif label in _THERAPY_LABELS and not re.search(_THERAPY_LABELS[label], text, re.IGNORECASE):
            text = re.sub(r"\b(?:therapy|treatment)\b", label.lower(), text, count=1)
    head = (c.context.split(":")[-2] + ":") if c.context and ":" in c.context else (c.context or "")
    if _NEGATED_HEAD.match(head) and not re.match(r"^\W*(?:no|not)\b", text, re.IGNORECASE):
        text = "No " + text
    return text


def parse_eligibility(text: str, reading: Reading = _PLAIN_READING) -> list[Criterion]:
    """Split eligibility text and extract the facts of each criterion. A nested item whose own text states no
    fact is read together with its parent's text (e.g. "Prior therapy:" / "* no more than 2 lines"); a nested
    item for another cancer's cohort of a basket trial states only that (its other facts are that cohort's)."""
    out = []
    other_cancer = vocabulary().term_patterns["other_cancer"]
    listing = False  # inside the short items of "The following are not considered measurable disease:"
    for c in split_criteria(text):
        if listing and len(c.text) <= 40 and not c.text.endswith(":"):
            out.append(Criterion(kind=c.kind, text=c.text, context=c.context, facts=()))
            continue
        listing = bool(c.text.endswith(":") and _INFORMATIONAL.search(_prepare(c.text)))
        low = _prepare(c.text)
        if c.context and _CONDITION_LIST.search(c.context):
            # "LVEF <= 45% tested in patients with:" / "- Age >= 65" (NCT01583686): a condition of the parent
            # criterion, not a criterion of its own
            out.append(Criterion(kind=c.kind, text=c.text, context=c.context, facts=()))
            continue
        # the head of a top-level item names its cohort, but a list naming mesothelioma further on ("soft tissue
        # sarcoma, glioma, mesothelioma, hepatoma, ...", NCT00002608) is not another cancer's
        cohort = _cohort_fact(low) if c.context or _MESO_WORD.search(low) else _cohort_fact(low[:60])
        if _MESO_EXEMPT.search(low):
            facts: tuple[Fact, ...] = ({"type": "cohort", "disease": "other cancers", "exempt": True},)
        elif cohort:
            facts = (cohort,)
        else:
            own = _fact_text(c)
            facts = extract_facts(own, c.kind, reading)
            if not facts and c.context and c.context.rstrip().endswith(":"):
                facts = extract_facts(f"{c.context} {own}", c.kind, reading)
                if _is_sub_label(c.context):
                    # "Chemotherapy" / "- No prior doxorubicin": the label names the topic, not a treatment had
                    facts = tuple(f for f in facts if f["type"] not in _TREATMENT_TYPES)
            context = _prepare(c.context or "")
            if (
                facts
                and other_cancer.search(context)
                and not _MESO_WORD.search(low)
                and all(f["type"] in ("histology", "site") for f in facts)
            ):
                # a subtype in another cancer's list (NCT00413192: soft-tissue sarcoma subtypes, "mixed-type")
                facts = ({"type": "cohort", "disease": other_cancer.search(context).group(0)},)  # type: ignore[union-attr]
        out.append(Criterion(kind=c.kind, text=c.text, context=c.context, facts=facts))
    return _stage_list_groups(_alternative_groups(_cohort_groups(_marker_exemptions(out))))


def _stage_list_groups(criteria: list[Criterion]) -> list[Criterion]:
    """Inclusion criteria next to each other that each list the T and N categories taken ("T1N1, T2N0, T2N1, T3N0,
    T3N1 disease" / "T4 and T4N1 disease if invasion of chest wall and ribs only", NCT05655078) are alternatives:
    one of the lists is enough."""

    def is_list(c: Criterion) -> bool:
        return c.kind == "inclusion" and c.group is None and any("pairs" in f for f in c.facts)

    out = list(criteria)
    i = 0
    while i < len(out):
        j = i
        while j < len(out) and is_list(out[j]):
            j += 1
        if j - i >= 2:
            for k in range(i, j):
                out[k] = dataclasses.replace(out[k], group=f"stage list {i}")
        i = max(j, i + 1)
    return out


#: "epithelial mesotheliomas and pancreatic cancers do not need to be assessed for mesothelin expression since all
#: of these tumors have been shown to express mesothelin" (NCT01583686)
_MARKER_EXEMPT = re.compile(
    r"\b(?P<hist>[a-z-]+) mesotheliomas?\b[^.;]{0,60}\b(?:do|does|need) not (?:need to )?(?:be )?(?:assessed|tested)"
    r"[^.;]{0,20}\b(?P<marker>mesothelin|msln)\b"
)


def _marker_exemptions(criteria: list[Criterion]) -> list[Criterion]:
    """A sentence that exempts a cell type from a marker test applies to the trial's marker requirements."""
    exempt: list[str] = []
    for c in criteria:
        if m := _MARKER_EXEMPT.search(_prepare(c.text)):
            hist = _histology_fact(m.group("hist") + " mesothelioma")
            exempt += hist["allowed"] if hist else []
    if not exempt:
        return criteria
    out = []
    for c in criteria:
        facts = tuple(
            {**f, "exempt": sorted(set(exempt))}
            if f["type"] == "biomarker" and f["marker"] == "mesothelin" and f.get("want") == "positive"
            else f
            for f in c.facts
        )
        out.append(Criterion(kind=c.kind, text=c.text, context=c.context, facts=facts, group=c.group))
    return out


#: Fact types an alternative of a "one of the following" list may state (disease, stage, cohort).
_ALTERNATIVE_TYPES = frozenset(
    {"site", "histology", "stage", "tnm", "extent", "resectability", "cohort", "diagnosis_confirmed"}
)


_COHORT_PREFIX = re.compile(
    r"^\W*(?:phase\s+(?:i{1,3}|[123])[ab]?|part\s+[a-z0-9]|cohort\s+[a-z0-9]+|arm\s+[a-z0-9])"
    r"(?:\s*(?:,|and|&|/|or)\s*[a-z0-9]\b)*(?:\s+only)?\s*:",  # "Arm A and C: ..." / "Arm B: ..." (NCT05838768)
    re.IGNORECASE,
)


def _alternative_groups(criteria: list[Criterion]) -> list[Criterion]:
    """Mark the alternatives of "... one of the following:" (nested under it, or following it at the same level
    while they state only disease facts, as NCT00354393's cohorts "Epithelioid ... stage I-III" / "Sarcomatoid ...
    stage I-III (T1-3, N0)" / "... considered unresectable"): matching takes one of them as enough."""
    out = list(criteria)
    # "Phase I: ... solid malignancy ..." / "Phase II: ... pleural mesothelioma ..." (NCT00700336): one per cohort
    prefixed = [i for i, c in enumerate(criteria) if c.kind == "inclusion" and _COHORT_PREFIX.match(c.text)]
    if len({_COHORT_PREFIX.match(criteria[i].text).group(0).lower() for i in prefixed}) >= 2:  # type: ignore[union-attr]
        # and an exclusion for one cohort only ("Phase II only: ...") is that cohort's
        prefixed += [i for i, c in enumerate(criteria) if c.kind == "exclusion" and _COHORT_PREFIX.match(c.text)]
        for i in prefixed:
            c = out[i]
            out[i] = Criterion(kind=c.kind, text=c.text, context=c.context, facts=c.facts, group="cohorts")
    for i, head in enumerate(criteria):
        if not _ONE_OF.search(head.text):
            continue
        group = f"{i}:{head.text[:60]}"
        members = [j for j, c in enumerate(criteria) if c.context is not None and c.context.endswith(head.text)]
        if not members:
            j = i + 1
            while (
                j < len(criteria)
                and criteria[j].kind == head.kind
                and criteria[j].context == head.context
                and not criteria[j].text.endswith(":")
                and {f["type"] for f in criteria[j].facts} <= _ALTERNATIVE_TYPES
            ):
                members.append(j)
                j += 1
        if len(members) < 2:
            continue
        for j in members:
            c = out[j]
            out[j] = Criterion(kind=c.kind, text=c.text, context=c.context, facts=c.facts, group=group)
    return out


def _cohort_groups(criteria: list[Criterion]) -> list[Criterion]:
    """Items under one heading ("Phase 2 portion:") of which one names another cancer's cohort and none names
    mesothelioma all belong to that cohort (NCT01139775: its phase 2 portion is for lung cancer only)."""
    groups: dict[str, list[int]] = {}
    for i, c in enumerate(criteria):
        if c.context and c.context.rstrip().endswith(":"):
            groups.setdefault(c.context, []).append(i)
    out = list(criteria)
    for members in groups.values():
        cohort = next((criteria[i].facts[0] for i in members if criteria[i].type == "cohort"), None)
        if cohort is None or any(_MESO_WORD.search(_prepare(criteria[i].text)) for i in members):
            continue
        for i in members:
            c = criteria[i]
            out[i] = Criterion(kind=c.kind, text=c.text, context=c.context, facts=(dict(cohort),))
    return out


_TITLE_LINES: tuple[tuple[re.Pattern[str], Fact], ...] = (
    (
        re.compile(
            r"previously treated|pre-?treated|2nd[- ]line|relapsed|refractory|"
            r"(?:after|following) (?:\w+ )?(?:1st|prior)"
        ),
        {"type": "lines", "min": 1, "max": None, "classes": []},
    ),
    (
        re.compile(r"1st[- ]line|front[- ]?line|previously untreated|treatment[- ]naive|chemotherapy[- ]naive"),
        {"type": "lines", "min": 0, "max": 0, "classes": []},
    ),
)


_TITLE_UNRESECTABLE = re.compile(r"\badvanced\b|unresectable|inoperable|cannot be removed")
_TITLE_RESECTABLE = re.compile(
    r"(?<!un)resectable|can be removed by surgery|followed by surgery|(?:before|prior to) surgery|neoadjuvant"
)


def _title_resectability(titles: tuple[str | None, ...]) -> list[Criterion]:
    for title in titles:
        if not title:
            continue
        low = _prepare(title)
        if re.search(r"with or without (?:\w+ )?surgery", low) and not re.search(r"can be removed", low):
            continue
        if _TITLE_UNRESECTABLE.search(low):
            fact: Fact = {"type": "resectability", "resectable": False}
        elif _TITLE_RESECTABLE.search(low):
            fact = {"type": "resectability", "resectable": True}
        else:
            continue
        return [Criterion(kind="inclusion", text=title, context="the trial's title", facts=(fact,))]
    return []


def title_criteria(*titles: str | None, lines: bool = True, resectability: bool = False) -> list[Criterion]:
    """Criteria a trial's titles state ("... as First-line Treatment in Malignant Pleural Mesothelioma",
    "previously treated", "Advanced", "Followed By Surgery"): the line of treatment and whether the tumour can be
    removed by surgery, each as an inclusion criterion quoting the title."""
    out = _title_resectability(titles) if resectability else []
    if not lines:
        return out
    for title in titles:
        if not title:
            continue
        low = _prepare(title)
        if "maintenance" in low or "adjuvant" in low:
            continue  # "maintenance after first-line ...": the line named is not the trial's own
        for pattern, fact in _TITLE_LINES:
            if pattern.search(low):
                return [*out, Criterion(kind="inclusion", text=title, context="the trial's title", facts=(dict(fact),))]
    return out


@functools.cache
def _editions() -> tuple[tuple[str, str], ...]:
    raw = tomllib.loads(
        resources.files("mesostage.trials").joinpath("data", "vocabulary.toml").read_text(encoding="utf-8")
    )
    return tuple(sorted(((str(d), str(e)) for e, d in raw["stage_editions"]["from"].items()), reverse=True))


@functools.cache
def _editions_by_nct() -> tuple[tuple[int, str], ...]:
    raw = tomllib.loads(
        resources.files("mesostage.trials").joinpath("data", "vocabulary.toml").read_text(encoding="utf-8")
    )
    return tuple(sorted(((int(n), str(e)) for e, n in raw["stage_editions_by_nct"]["from"].items()), reverse=True))


@functools.cache
def _peritoneal_staging_from() -> str:
    raw = tomllib.loads(
        resources.files("mesostage.trials").joinpath("data", "vocabulary.toml").read_text(encoding="utf-8")
    )
    return str(raw["peritoneal_staging"]["from"])


def edition_by_registration(nct_id: str | None) -> str | None:
    """The edition in force when a trial was registered, from its NCT number ("NCT00003508" -> "7")."""
    if not nct_id or not re.fullmatch(r"NCT\d{8}", nct_id):
        return None
    number = int(nct_id[3:])
    return next((e for since, e in _editions_by_nct() if number >= since), None)


def edition_in_force(start_date: str | None) -> str | None:
    """The TNM edition in force for pleural mesothelioma on a date ("2019-03" -> "8"); None when no date."""
    if not start_date:
        return None
    for since, edition in _editions():
        if start_date >= since:
            return edition
    return _editions()[-1][1]


def parse_trial(
    eligibility_text: str,
    *,
    brief_title: str | None = None,
    official_title: str | None = None,
    start_date: str | None = None,
    mpm_site: str = "pleura",
    nct_id: str | None = None,
) -> list[Criterion]:
    """The criteria of one trial: its eligibility text read in the trial's context, the line of treatment its
    titles state (when the text states none), and stage criteria given the edition the trial names or, where it
    names none, the edition in force at its start date (the reason says which)."""
    criteria = parse_eligibility(eligibility_text, Reading(mpm_site=mpm_site))
    stated = {f["type"] for c in criteria for f in c.facts}
    criteria += title_criteria(
        official_title, brief_title, lines="lines" not in stated, resectability="resectability" not in stated
    )
    in_force = edition_in_force(start_date)
    out = []
    for c in criteria:
        facts = []
        for f in c.facts:
            if f["type"] in ("stage", "tnm"):
                f = dict(f)
                if f.get("edition"):
                    f["edition_from"] = "named"
                elif in_force:
                    f["edition"], f["edition_from"] = in_force, f"start {start_date}"
                elif era := edition_by_registration(nct_id):
                    f["edition_era"] = era
                if f["type"] == "stage" and start_date and start_date < _peritoneal_staging_from():
                    f["pleural_only"] = start_date  # no peritoneal staging existed yet: a pleural stage
            facts.append(f)
        out.append(Criterion(kind=c.kind, text=c.text, context=c.context, facts=tuple(facts), group=c.group))
    return out
