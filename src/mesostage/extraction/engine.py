"""The extraction engine: report text -> sentences -> mentions with their cues -> a draft case with evidence.

The engine is generic: what a phrase means, which words negate, hedge or date a finding, and how stations map to
node findings are all in ``data/*.toml``. It never guesses: a finding the text does not name stays absent only
where the report describes that part (the case-format rule), a hedged finding is unknown, a section the text
never addresses stays not assessed.
"""

from __future__ import annotations

import bisect
import itertools
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from mesostage.case import METASTASIS_FINDINGS, NODE_FINDINGS, PCI_REGION_NAMES, TUMOR_FINDINGS, parse_case
from mesostage.errors import CaseError
from mesostage.extraction.model import Evidence, Extraction, Kind
from mesostage.extraction.rules import FLAGS, LOWER, Phrase, Rules, rules

__all__ = ["extract_one", "segment"]

_CONTEXT_HEADERS = re.compile(
    r"^\s*(?:clinical history|clinical information|clinical|history|hx|indication|indications|comparison|"
    r"technique|reason for (?:exam|study|referral))\s*:",
    FLAGS,
)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9(\[])")
_STATION_CODE = r"(?:1[0-4]|[1-9])(?:[rl]|[ap])?"
_STATION_SIDED = re.compile(r"(?<![\w.])((?:1[0-4]|[1-9])[rl])(?!\w)", FLAGS)
_LIST = rf"({_STATION_CODE}(?:\s*(?:,|and|&|/|or)\s*{_STATION_CODE})*)\b(?!\s*(?:mm|cm|x\b))"
_STATION_LIST = re.compile(rf"\b(?:stations?|levels?)\s*#?\s*{_LIST}", FLAGS)
_NODE_LIST = re.compile(rf"\b(?:lymph nodes?|nodes?|ln)\s*:?\s*{_LIST}(?=\s*:|\s+\d+/\d+)", FLAGS)
_STATION_HEAD = re.compile(rf"^\s*(?:[A-Z]\.\s+)?({_STATION_CODE})\s*:", FLAGS)
_STATION_COUNT = re.compile(rf"(?<![\w./])({_STATION_CODE})\s+(?=\d+/\d+)", FLAGS)
_CODE = re.compile(_STATION_CODE, FLAGS)
_NODE_CONTEXT = re.compile(r"\b(?:nodes?|lymph|ebus|tbna|station|mediastinoscopy)\b", FLAGS)

_JOIN = "\n;\n"
_TITLE_CHARS = 100
_PRE_WORD = re.compile(r"(?:no|not|negative|without)\b", FLAGS)
PRECEDENCE = ("present", "unknown", "absent", "not_assessed")
_SECTION_DEFAULT = {"tumor": "present", "nodes": "absent", "metastases": "unknown"}


@dataclass(frozen=True)
class Sentence:
    start: int
    text: str
    context: bool  # a history / comparison / technique line: used for the diagnosis, not for findings
    line_side: str | None
    clauses: tuple[tuple[int, int], ...]  # spans relative to the sentence

    def clause_of(self, pos: int) -> tuple[int, int]:
        for a, b in self.clauses:
            if a <= pos < b:
                return a, b
        return self.clauses[-1]


@dataclass(frozen=True)
class Cue:
    start: int
    end: int
    classes: frozenset[str]
    text: str


@dataclass
class Assertion:
    field: str
    status: str
    why: str
    cue: str | None
    start: int  # relative to the sentence
    end: int
    sentence: Sentence
    note: str | None = None


@dataclass
class _Doc:
    text: str
    sentences: list[Sentence]
    cue_cache: dict[int, list[Cue]] = field(default_factory=dict)
    mention_cache: dict[tuple[int, int], bool] = field(default_factory=dict)


def _side_word(token: str) -> str:
    t = token.lower()
    if t in ("left", "l", "lt", "lul", "lll") or t.startswith("lingula"):
        return "left"
    if t in ("right", "r", "rt", "rul", "rml", "rll"):
        return "right"
    if t.startswith("both"):
        return "bilateral"
    return t  # contralateral / ipsilateral / bilateral


# Lines a report system or a PDF wrapped in the middle of a sentence: the line does not end a sentence, the next
# line does not start a new item, and the line is filled to the text's width, or the next line goes on in lower case
# (or with a number), or the line ends on a word that cannot end a sentence. After a colon the next line goes on
# unless one of them is in capitals (a heading).
_HARD_END = re.compile(r"[.!?;]\s*$")
_COLON_END = re.compile(r":\s*$")
_SOFT_END = re.compile(
    r"(?:[,(/-]|\b(?:the|a|an|of|with|and|or|no|not|to|in|on|at|for|by|from|into|is|are|was|were|than|along|"
    r"within|without|which|that|involving|measuring|including)\b)\s*$",
    FLAGS,
)
_NEW_ITEM = re.compile(r"^\s*(?:[-*\u2022]|\(?\d{1,2}[.)]\s|[A-Z][\w /&()'+-]{0,40}:)")
_GOES_ON = re.compile(r"^\s*[a-z0-9(]")
_HEADING_CHARS = 40
_GOES_ON_LOWER = re.compile(r"[ \t]*[a-z]")
_HYPHEN_END = re.compile(r"[A-Za-z]-$")


def _is_caps(line: str) -> bool:
    body = line.strip()
    return body.upper() == body and any(ch.isalpha() for ch in body)


def _joins(body: str, nxt: str, width: int) -> bool:
    """Is the break after ``body`` a soft one (the sentence goes on in ``nxt``)? ``width`` is the longest line's
    length: a line filled to it was wrapped by the system that wrote it."""
    if not body.strip() or not nxt.strip() or _NEW_ITEM.match(nxt) or _HARD_END.search(body):
        return False  # an empty line, a new item, a sentence's end
    filled = len(body.rstrip()) >= max(_HEADING_CHARS, 0.85 * width)
    if _COLON_END.search(body):  # "Lymph node, station 10R, EBUS-TBNA:" / "NEGATIVE for malignancy."
        return not _is_caps(body) and not _is_caps(nxt)
    if _is_caps(body) and len(body.strip()) <= _HEADING_CHARS and not _SOFT_END.search(body):
        return False  # a heading ("CT CHEST WITH CONTRAST")
    return bool(filled or _GOES_ON.match(nxt) or _SOFT_END.search(body))


def unwrap(text: str) -> tuple[str, list[int]]:
    """The text with soft line breaks (a sentence wrapped onto the next line) turned into spaces, and a word
    hyphenated over a break joined ("extra-\\nabdominal" -> "extra-abdominal"); with, for each character (and
    the end), its offset in the report, so that every answer still points at the report's own words."""
    lines = text.splitlines(keepends=True)
    width = max((len(line.rstrip()) for line in lines), default=0)
    chars: list[str] = []
    where: list[int] = []
    pos = skip = 0
    for i, line in enumerate(lines):
        body = line.rstrip("\r\n")
        nxt = lines[i + 1] if i + 1 < len(lines) else ""
        chars.extend(body[skip:])
        where.extend(range(pos + skip, pos + len(body)))
        skip = 0
        rest = range(pos + len(body), pos + len(line))
        if not _joins(body, nxt, width):
            chars.extend(text[j] for j in rest)
            where.extend(rest)
        elif _HYPHEN_END.search(body) and _GOES_ON_LOWER.match(nxt):
            skip = len(nxt) - len(nxt.lstrip(" \t"))
        else:
            chars.extend(" " * len(rest))
            where.extend(rest)
        pos += len(line)
    where.append(len(text))
    return "".join(chars), where


def segment(text: str) -> list[Sentence]:
    """Split a report into sentences (and clauses at semicolons). A sentence wrapped over several lines is one
    sentence; offsets are those of :func:`unwrap`'s text (the report's own where no hyphenated word was joined)."""
    return _segment(unwrap(text)[0])


def _segment(text: str) -> list[Sentence]:
    r = rules()
    line_side_re = r.compiled["laterality.line_side"]
    out: list[Sentence] = []
    pos = 0
    for line in text.splitlines(keepends=True):
        start = pos
        pos += len(line)
        body = line.rstrip("\r\n")
        if not body.strip():
            continue
        # a history line, or a line that goes on (in lower case) from one
        context = bool(_CONTEXT_HEADERS.match(body)) or (
            bool(out) and out[-1].context and bool(_GOES_ON_LOWER.match(body))
        )
        m = line_side_re.match(body)
        line_side = _side_word(m.group(1)) if m else None
        cuts = [0, *(m.end() for m in _SENTENCE_END.finditer(body)), len(body)]
        for a, b in itertools.pairwise(cuts):
            piece = body[a:b]
            stripped = piece.rstrip()
            lead = len(piece) - len(piece.lstrip())
            stripped = stripped[lead:]
            if not stripped:
                continue
            clauses: list[tuple[int, int]] = []
            c0 = 0
            for i, ch in enumerate(stripped):
                if ch == ";":
                    clauses.append((c0, i + 1))
                    c0 = i + 1
            clauses.append((c0, len(stripped)))
            out.append(Sentence(start + a + lead, stripped, context, line_side, tuple(clauses)))
    return out


def _cues(doc: _Doc, s: Sentence) -> list[Cue]:
    key = s.start
    if key not in doc.cue_cache:
        cs = rules().cues
        found: list[Cue] = []
        for m in cs.regex.finditer(s.text):
            assert m.lastgroup is not None
            classes = cs.classes[int(m.lastgroup[1:])]
            if "pseudo" not in classes:
                found.append(Cue(m.start(), m.end(), classes, m.group(0)))
        doc.cue_cache[key] = found
    return doc.cue_cache[key]


_CONCESSIVE = re.compile(r"\b(?:although|though|whereas|despite)\b", FLAGS)


def _terminated(s: Sentence, a: int, b: int) -> bool:
    """Does the scope of a cue at ``a`` end before ``b``? (a terminator word, or the comma that closes a
    concessive clause: "Although the fluid was negative for malignancy, the mass was ...")"""
    if a >= b:
        return False
    if rules().cues.terminators.search(s.text, a, b) is not None:
        return True
    concessive = _CONCESSIVE.search(s.text, 0, a)
    if concessive is None:
        return False
    closing = s.text.find(",", concessive.end())  # the comma that closes the concessive clause
    return a <= closing < b


@dataclass(frozen=True)
class _Status:
    status: str
    why: str
    cue: str | None


def _status(doc: _Doc, s: Sentence, start: int, end: int, plain: str) -> _Status:
    """A mention's status from the cues of its clause (see cues.toml for the precedence)."""
    ca, cb = s.clause_of(start)
    cues = [c for c in _cues(doc, s) if ca <= c.start < cb]
    found: dict[str, Cue] = {}
    for c in cues:
        before = c.end <= start
        after = c.start >= end
        inside = not before and not after
        for cls in c.classes:
            if cls == "negation_pre" or (cls == "negation_post" and _PRE_WORD.match(c.text)):
                ok = before and start - c.end <= 100 and not _terminated(s, c.end, start)
                if not ok and cls == "negation_post":
                    ok = after and c.start - end <= 60 and not _terminated(s, end, c.start)
            elif cls == "negation_post":
                ok = after and c.start - end <= 60 and not _terminated(s, end, c.start)
            elif cls == "affirm":
                ok = True
            elif cls == "hedge" and before:
                ok = "," not in s.text[c.end : start] and not _terminated(s, c.end, start)
            elif cls == "hedge" and after:
                ok = ", and " not in s.text[end : c.start]
            else:
                ok = not inside
            if ok:
                found.setdefault("negation" if cls.startswith("negation") else cls, c)
    order = (
        ("negation", "absent", "negated"),
        ("prior", "absent", "prior"),
        ("not_assessed", "not_assessed", "not_assessed"),
        ("hedge", "unknown", "hedged"),
        ("benign", "absent", "benign"),
        ("affirm", "present", "affirmed"),
    )
    for cls, status, why in order:
        if cls in found:
            result = _Status(status, why, found[cls].text)
            break
    else:
        result = _Status(plain, "stated", None)
    if result.why in ("affirmed", "stated", "benign", "negated"):
        # a hedge, prior or not-assessed cue in another clause of the sentence that names nothing itself
        for c in _cues(doc, s):
            if ca <= c.start < cb:
                continue
            if _mentions_in(doc, s, c.start):
                continue
            if result.why == "negated":
                if "not_assessed" in c.classes:
                    return _Status("not_assessed", "not_assessed", c.text)
                continue
            for cls, status, why in (("prior", "absent", "prior"), ("not_assessed", "not_assessed", "not_assessed")):
                if cls in c.classes:
                    return _Status(status, why, c.text)
            if "hedge" in c.classes:
                return _Status("unknown", "hedged", c.text)
    return result


def _mentions_in(doc: _Doc, s: Sentence, pos: int) -> bool:
    """Does the clause at ``pos`` name any finding itself? (then its cues stay with it)"""
    a, b = s.clause_of(pos)
    key = (s.start, a)
    if key not in doc.mention_cache:
        clause = s.text[a:b].translate(LOWER)
        r = rules()
        doc.mention_cache[key] = bool(r.node_word.search(clause)) or any(
            p.regex.search(clause) for p in r.phrases if not p.negation_only
        )
    return doc.mention_cache[key]


def _side_of(s: Sentence, start: int, end: int) -> str | None:
    """The side a mention is on: a side word inside it, right before it, in a phrase after it ("in the left
    hemithorax"), earlier in its clause, or the line's side ("R hemithorax: ...")."""
    r = rules()
    tokens = (r.compiled["laterality.side_token"], r.compiled["laterality.lobe"])
    for pattern in tokens:
        inside = pattern.search(s.text, start, end)
        if inside:
            return _side_word(inside.group(1))
    ca, _ = s.clause_of(start)
    best: re.Match[str] | None = None
    for pattern in tokens:
        for m in pattern.finditer(s.text, max(ca, start - 60), start):
            if best is None or m.start() > best.start():
                best = m
    if best is not None and start - best.end() <= 12:
        return _side_word(best.group(1))
    after = r.compiled["laterality.after"].match(s.text[end:])
    if after:
        return _side_word(after.group(1))
    if best is not None:
        return _side_word(best.group(1))
    return s.line_side


def _relation(side: str | None, primary: str | None) -> str:
    """same / opposite / both / unstated."""
    if side in (None,):
        return "unstated"
    if side == "bilateral":
        return "both"
    if side == "ipsilateral":
        return "same"
    if side == "contralateral":
        return "opposite"
    if primary is None:
        return "unstated"
    return "same" if side == primary else "opposite"


class _Extractor:
    def __init__(self, text: str, kind: str | None, report: int) -> None:
        self.r: Rules = rules()
        self.raw = text  # evidence quotes the report as written
        self.text, self._where = unwrap(text)  # rules read wrapped sentences whole
        self.report = report
        self.doc = _Doc(self.text, _segment(self.text))
        # (a sentence that defines stage categories, "T4 (chest wall invasion at >1 site), N3 (...)", teaches the
        # staging rules: it names no finding of this patient)
        teaching = self._staging_lessons()
        self.facts = [
            s
            for s in self.doc.sentences
            if not s.context and not any(a < s.start + len(s.text) and s.start < b for a, b in teaching)
        ]
        self.assertions: list[Assertion] = []
        self.evidence: list[Evidence] = []
        self.notes: list[str] = []
        self.kind: Kind = self._kind(kind)
        self.site = "pleura"
        self.laterality: str | None = None
        self._facts_text: tuple[str, list[int]] | None = None
        self._ranks: dict[tuple[int, int], int] = {}

    # ------------------------------------------------------------------ evidence
    def _raw(self, a: int, b: int) -> tuple[int, int]:
        """A span of the read text as a span of the report."""
        return self._where[a], (self._where[b - 1] + 1 if b > a else self._where[a])

    def _ev(self, a: Assertion) -> Evidence:
        s = a.sentence
        start, end = self._raw(s.start + a.start, s.start + a.end)
        s_start, s_end = self._raw(s.start, s.start + len(s.text))
        return Evidence(
            field=a.field,
            value=a.status,
            why=a.why,
            cue=a.cue,
            text=self.raw[start:end],
            start=start,
            end=end,
            sentence=self.raw[s_start:s_end],
            sentence_start=s_start,
            report=self.report,
            note=a.note,
        )

    def _doc_ev(self, fld: str, value: str, m: re.Match[str], why: str = "detected", note: str | None = None) -> None:
        s = self._sentence_at(m.start())
        start, end = self._raw(m.start(), m.end())
        s_start, s_end = self._raw(s.start, s.start + len(s.text)) if s else (start, end)
        self.evidence.append(
            Evidence(
                field=fld,
                value=value,
                why=why,
                text=self.raw[start:end],
                start=start,
                end=end,
                sentence=self.raw[s_start:s_end],
                sentence_start=s_start,
                report=self.report,
                note=note,
            )
        )

    def _sentence_at(self, pos: int) -> Sentence | None:
        for s in self.doc.sentences:
            if s.start <= pos < s.start + len(s.text):
                return s
        return None

    # ------------------------------------------------------------------ document level
    def _staging_lessons(self) -> list[tuple[int, int]]:
        """Where the text defines stage categories (see document.toml [general]): those sentences are not findings."""
        c = self.r.compiled
        out: list[tuple[int, int]] = []
        for m in c["general.stage_definitions"].finditer(self.text):
            line = self.text[self.text.rfind("\n", 0, m.start()) + 1 : m.end()]
            if c["general.stage_teaching"].search(line):
                out.append(m.span())
        for s in self.doc.sentences:
            if c["general.disease_statement"].search(s.text):
                out.append((s.start, s.start + len(s.text)))
        for m in c["general.stage_table"].finditer(self.text):
            pos, goes_on = m.end() + 1, False
            while pos < len(self.text):
                end = self.text.find("\n", pos)
                end = len(self.text) if end < 0 else end
                item = c["general.table_item"].match(self.text, pos, end) is not None
                if not item and not goes_on:  # (an item broken over two lines goes on)
                    break
                out.append((pos, end))
                goes_on = item and bool(self.text[pos:end].strip()) and not _HARD_END.search(self.text[pos:end])
                pos = end + 1
        return out

    def _kind(self, kind: str | None) -> Kind:
        if kind is not None:
            return "pet" if kind == "pet_ct" else kind  # type: ignore[return-value]
        lines = [ln for ln in self.text.splitlines() if ln.strip()]
        # a title is a short first line ("CT CHEST WITH CONTRAST"), not the first sentence of a narrative
        title = lines[0] if lines and len(lines[0]) <= _TITLE_CHARS else ""
        titled = self._classify(title, title=True)
        body = self._classify(self.text, title=False)
        if titled in ("pet", "mri", "ct") and body == "combined":
            return body  # an article's title names the imaging; its text also gives the pathology
        return titled or body or "other"

    def _classify(self, scope: str, *, title: bool) -> Kind | None:
        c = self.r.compiled
        if title and re.search(r"\b(?:mdt|summary)\b", scope, FLAGS):
            return "combined"
        op = c["kind.operative"].search(scope)
        path = c["kind.pathology"].search(scope)
        pet, mri, ct = (c[f"kind.{k}"].search(scope) for k in ("pet", "mri", "ct"))
        if title and op:
            return "operative"
        if path and (pet or mri or ct):
            return "combined"
        if path:
            return "pathology"
        if pet:
            return "pet"
        if mri:
            return "mri"
        if ct:
            return "ct"
        return "operative" if op else None

    def diagnosis(self) -> tuple[bool | None, str | None]:
        """Is the report about a mesothelioma? (affirmed mention: yes; only negated or hedged, or another
        disease named without it: no; neither: not stated)."""
        c = self.r.compiled
        affirmed = negated = hedged = variant = 0
        for s in self.doc.sentences:
            variants = [v.span() for v in c["diagnosis.benign_variant"].finditer(s.text)]
            variant += len(variants)
            for m in c["diagnosis.mesothelioma"].finditer(s.text):
                if any(x <= m.start() < y for x, y in variants):
                    continue  # "benign multicystic mesothelioma": counted as a variant above
                if variants and c["diagnosis.variant_family"].search(s.text[: m.start()]):
                    continue  # "WDPMP is a rare subtype of epithelioid mesothelioma": the variant's family
                st = _status(self.doc, s, m.start(), m.end(), "present")
                ca, _ = s.clause_of(m.start())
                if st.why != "negated" and c["diagnosis.mimic"].search(s.text, ca, m.start()):
                    negated += 1  # "mimicking mesothelioma": another disease that looks like one
                elif st.why == "negated":
                    negated += 1
                elif st.why == "hedged":
                    hedged += 1
                else:
                    affirmed += 1
                    if affirmed == 1:
                        self.evidence.append(
                            self._ev(Assertion("diagnosis", "present", st.why, st.cue, m.start(), m.end(), s))
                        )
        other = c["diagnosis.other"].search(self.text)
        if affirmed:
            return True, None
        if variant:
            found = c["diagnosis.benign_variant"].search(self.text)
            assert found is not None
            self._doc_ev("diagnosis", "absent", found, why="benign")
            return False, (
                f"This report names a benign or borderline mesothelial tumour ({found.group(0)}), not a malignant "
                "mesothelioma: there is nothing to stage."
            )
        if negated or other:
            what = other.group(0) if other else "another diagnosis"
            if other:
                self._doc_ev("diagnosis", "absent", other, why="detected")
            return False, (
                f"This report does not describe a mesothelioma ({what}"
                + ("; mesothelioma is ruled out" if negated else "")
                + "): there is nothing to stage."
            )
        if hedged:
            return None, "The report only raises mesothelioma as a possibility: the diagnosis is not confirmed."
        return None, "The report does not name mesothelioma: check the diagnosis before staging."

    def detect_site(self) -> None:
        for j, row in enumerate(self.r.doc["site"]):
            m = self.r.compiled[f"site.{j}"].search(self.text)
            if m:
                self.site = row["site"]
                self._doc_ev("site", self.site, m)
                return
        m = self.r.compiled["diagnosis.mesothelioma"].search(self.text)
        if m:
            self._doc_ev("site", "pleura", m, note="no other site named: pleura")

    def detect_histology(self) -> str | None:
        found: dict[str, re.Match[str]] = {}
        for j, row in enumerate(self.r.doc["histology"]):
            for m in self.r.compiled[f"histology.{j}"].finditer(self.text):
                s = self._sentence_at(m.start())
                if s is not None:
                    st = _status(self.doc, s, m.start() - s.start, m.end() - s.start, "present")
                    if st.why == "negated":
                        continue
                found.setdefault(row["value"], m)
        if "biphasic" in found:
            value = "biphasic"
        elif len(found) == 1:
            value = next(iter(found))
        else:
            if found:
                self.notes.append("The report names more than one cell type without saying biphasic: not filled.")
            return None
        self._doc_ev("histology", value, found[value])
        return value

    def detect_basis(self) -> str | None:
        c = self.r.compiled
        for m in c["basis.post_therapy"].finditer(self.text):
            s = self._sentence_at(m.start())
            if s is not None and c["diagnosis.other"].search(s.text) and not c["diagnosis.mesothelioma"].search(s.text):
                continue  # another cancer's treatment ("a carcinoma of the left breast, which was treated with ...")
            self._doc_ev("basis", "post_therapy", m)
            return "post_therapy"
        if self.kind in ("pathology", "combined"):
            for s in self.doc.sentences:
                hit = c["basis.resection"].search(s.text)
                if hit and (self.kind == "pathology" or c["basis.pathology_line"].search(self.text_line(s))):
                    self._doc_ev("basis", "pathological", _shift(hit, s.start, self.text))
                    return "pathological"
        if self.kind in ("operative", "pathology", "other"):
            return None
        return "clinical"

    def text_line(self, s: Sentence) -> str:
        a = self.text.rfind("\n", 0, s.start) + 1
        b = self.text.find("\n", s.start)
        return self.text[a : b if b >= 0 else len(self.text)]

    def detect_laterality(self) -> str | None:
        c = self.r.compiled
        for key in ("laterality.anchor", "laterality.procedure"):
            votes: dict[str, list[re.Match[str]]] = {}
            for m in c[key].finditer(self.text):
                votes.setdefault(_side_word(m.group(1) or m.group(m.lastindex or 1)), []).append(m)
            if votes:
                side = max(votes, key=lambda k: (len(votes[k]), -votes[k][0].start()))
                self._doc_ev("laterality", side, votes[side][0])
                return side
        # the side of the pleural tumour the findings describe
        votes2: dict[str, list[tuple[Sentence, int, int]]] = {}
        for s in self.facts:
            for p in self.r.phrases:
                if p.negation_only or p.field not in _SIDE_FIELDS:
                    continue
                for m in p.regex.finditer(s.text.translate(LOWER)):
                    if _landmark(p, s, m.start()):
                        continue
                    st = _status(self.doc, s, m.start(), m.end(), "present")
                    found_side = _side_of(s, m.start(), m.end())
                    if p.requires is not None and not p.requires.search(s.text, *s.clause_of(m.start())):
                        continue
                    if st.status == "present" and found_side in ("left", "right"):
                        votes2.setdefault(str(found_side), []).append((s, m.start(), m.end()))
            for _, a, b, _f in _surface_matches(s.text):
                st = _status(self.doc, s, a, b, "present")
                found_side = _side_of(s, a, b)
                if st.status == "present" and found_side in ("left", "right"):
                    votes2.setdefault(str(found_side), []).append((s, a, b))
        if votes2:
            side = max(votes2, key=lambda k: (len(votes2[k]), -votes2[k][0][0].start))
            s, a, b = votes2[side][0]
            self.evidence.append(
                self._ev(Assertion("laterality", side, "detected", None, a, b, s, note="side of the tumour described"))
            )
            return side
        # last: a malignancy placed in one lung or hemithorax, when only one side is named that way
        sides: dict[str, tuple[Sentence, re.Match[str]]] = {}
        for s in self.facts:
            for m in c["laterality.tumour_side"].finditer(s.text):
                if _status(self.doc, s, m.start(), m.end(), "present").status != "absent":
                    sides.setdefault(_side_word(next(g for g in m.groups() if g)), (s, m))
        if len(sides) == 1:
            side, (s, m) = next(iter(sides.items()))
            self.evidence.append(
                self._ev(
                    Assertion(
                        "laterality", side, "detected", None, m.start(), m.end(), s, note="side of the malignancy named"
                    )
                )
            )
            return side
        return None

    # ------------------------------------------------------------------ mentions
    def add(
        self, fld: str, st: _Status, s: Sentence, a: int, b: int, note: str | None = None, why: str | None = None
    ) -> None:
        self.assertions.append(Assertion(fld, st.status, why or st.why, st.cue, a, b, s, note))

    def _joined(self) -> tuple[str, list[int]]:
        """The finding sentences joined by ';' lines (no phrase pattern crosses a ';'), and where each starts:
        one regex pass over this text instead of one per sentence."""
        if self._facts_text is None:
            starts, pos = [], 0
            for s in self.facts:
                starts.append(pos)
                pos += len(s.text) + len(_JOIN)
            self._facts_text = (_JOIN.join(s.text for s in self.facts).translate(LOWER), starts)
        return self._facts_text

    def _matches(self, regex: re.Pattern[str]) -> Iterable[tuple[Sentence, int, int]]:
        text, starts = self._joined()
        for m in regex.finditer(text):
            i = bisect.bisect_right(starts, m.start()) - 1
            s = self.facts[i]
            a, b = m.start() - starts[i], m.end() - starts[i]
            if b <= len(s.text):
                yield s, a, b

    def phrases(self) -> None:
        pleural = self.site == "pleura"
        wanted = [
            p
            for p in self.r.phrases
            if pleural or (p.field in _NON_PLEURAL_FIELDS and not p.field.startswith("tumor."))
        ]
        taken: dict[int, list[tuple[int, int]]] = {}
        for s in self.facts:
            for span, a, b, fld in _surface_matches(s.text):
                taken.setdefault(s.start, []).append(span)
                self._phrase_mention(_surface_phrase(fld), s, a, b, pleural)
        for p in wanted:
            for s, a, b in self._matches(p.regex):
                if p.field == "pleura" and any(a < y and x < b for x, y in taken.get(s.start, ())):
                    continue
                self._phrase_mention(p, s, a, b, pleural)

    def _phrase_mention(self, p: Phrase, s: Sentence, a: int, b: int, pleural: bool) -> None:
        if _landmark(p, s, a):
            return
        section = p.field.split(".")[0] if "." in p.field else ("metastases" if p.field == "lung" else "tumor")
        if p.field == "pleura_contralateral":
            section = "tumor"
        plain = p.plain or _SECTION_DEFAULT.get(section, "present")
        st = _status(self.doc, s, a, b, plain)
        note = None
        if p.why and st.why == "stated":
            st = _Status(st.status, "hedged" if st.status == "unknown" else st.why, None)
            note = p.why
        elif p.why and p.plain == "unknown" and st.status == "present":
            # the phrase itself says no more than "not known" (a resection, a lost fat plane): an abnormal word
            # elsewhere in the clause does not make it a finding
            st, note = _Status("unknown", "hedged", None), p.why
        if p.negation_only and st.status != "absent":
            return
        if p.requires is not None and st.status in ("present", "unknown"):
            ca, cb = s.clause_of(a)
            if not p.requires.search(s.text, ca, cb):
                return
        if p.field == "lung":
            if not pleural:
                return
            rel = _relation(_side_of(s, a, b), self.laterality)
            targets = {
                "same": ["metastases.lung_ipsilateral_discontinuous"],
                "opposite": ["metastases.lung_contralateral"],
            }.get(rel, ["metastases.lung_ipsilateral_discontinuous", "metastases.lung_contralateral"])
            if rel in ("unstated", "both") and st.status == "present":
                st = _Status("unknown", "hedged", None)
                note = "side not stated" if rel == "unstated" else None
            else:
                note = None
            for t in targets:
                self.add(t, st, s, a, b, note)
            return
        rel = "unstated"
        if p.sided in ("route", "drop") or p.field == "pleura_contralateral":
            rel = "opposite" if p.field == "pleura_contralateral" else _relation(_side_of(s, a, b), self.laterality)
            if rel == "opposite":
                if p.sided == "drop" and p.field != "pleura_contralateral":
                    return
                self._contralateral(st, s, a, b)
                return
        fld = "tumor.parietal_pleura" if p.field == "pleura" else p.field
        self.add(fld, st, s, a, b, note)
        if p.sided == "route" and st.status == "present" and rel == "both":
            # tumour on both sides: the other side may be reached directly (T4) or be separate (M1); not said
            both = _Status("unknown", "hedged", None)
            for other in ("tumor.contralateral_pleura_direct", "metastases.pleura_contralateral_discontinuous"):
                self.add(other, both, s, a, b, note="pleural disease on both sides: contiguity not stated")
        if st.status == "present":
            for implied in p.implies:
                self.add(implied, _Status("present", "implied", None), s, a, b, note=f"follows from {fld}")

    def _contralateral(self, st: _Status, s: Sentence, a: int, b: int) -> None:
        c = self.r.compiled
        if c["contralateral.discontinuous"].search(s.text):
            fld = "metastases.pleura_contralateral_discontinuous"
            if st.status == "present" and st.why == "stated":
                st = _Status("unknown", "hedged", None)
        elif c["contralateral.direct"].search(s.text):
            fld = "tumor.contralateral_pleura_direct"
        else:
            fld = "metastases.pleura_contralateral_discontinuous"
            if st.status == "present" and st.why == "stated":
                st = _Status("unknown", "hedged", None)
        self.add(fld, st, s, a, b, note="opposite side to the primary")

    def nodes(self) -> None:
        pleural = self.site == "pleura"
        seen_by: dict[int, list[tuple[int, int]]] = {}
        for s in self.facts:
            seen: list[tuple[int, int]] = []
            for a, b, code in self._station_mentions(s):
                seen.append((a, b))
                key = code if code in self.r.stations else re.sub(r"[rl]$", "", code)
                group, fixed, _ = self.r.stations.get(key, ("", None, ""))
                if not group:
                    continue
                side = {"r": "right", "l": "left"}.get(code[-1]) or fixed
                self._node(group, side, s, a, b, f"station {code.upper()}", pleural)
            seen_by[s.start] = seen
        for name in self.r.names:
            for s, a, b in self._matches(name.regex):
                if any(x <= a < y for x, y in seen_by.get(s.start, ())):
                    continue
                if self.r.not_node.match(s.text[b:]) or not self._near_node_word(s, a, b):
                    continue
                side = name.side or _side_of(s, a, b)
                self._node(name.group, side, s, a, b, None, pleural)
        for s in self.facts:
            for m in self.r.distant.finditer(s.text):
                a, b = m.start(), m.end()
                if not self._near_node_word(s, a, b, after_only=True):
                    continue
                st = _status(self.doc, s, a, b, "unknown")
                if self.site != "peritoneum":
                    self.add("metastases.distant_nodes", st, s, a, b)
                elif st.why != "stated":
                    self.add("peritoneal.nodes_positive", st, s, a, b)
            for m in self.r.generic_node.finditer(s.text):
                st = _status(self.doc, s, m.start(), m.end(), "absent")
                if pleural:
                    self.add("nodes.any", st, s, m.start(), m.end())
                elif self.site == "peritoneum" and st.why != "stated":
                    self.add("peritoneal.nodes_positive", st, s, m.start(), m.end())

    def _near_node_word(self, s: Sentence, a: int, b: int, after_only: bool = False) -> bool:
        ca, cb = s.clause_of(a)
        if self.r.node_word.search(s.text, b, min(cb, b + 40)):
            return True
        return not after_only and self.r.node_word.search(s.text, max(ca, a - 40), a) is not None

    def _station_mentions(self, s: Sentence) -> Iterable[tuple[int, int, str]]:
        out: dict[int, tuple[int, int, str]] = {}
        for m in _STATION_SIDED.finditer(s.text):
            out[m.start(1)] = (m.start(1), m.end(1), m.group(1).lower())
        for m in (*_STATION_LIST.finditer(s.text), *_NODE_LIST.finditer(s.text)):
            base = m.start(1)
            for c in _CODE.finditer(m.group(1)):
                out.setdefault(base + c.start(), (base + c.start(), base + c.end(), c.group(0).lower()))
        context = (
            bool(_NODE_CONTEXT.search(s.text))
            or bool(_NODE_CONTEXT.search(self.text_line(s)))
            or (self.kind in ("pathology", "combined"))
        )
        if context:
            for rx in (_STATION_HEAD, _STATION_COUNT):
                for m in rx.finditer(s.text):
                    out.setdefault(m.start(1), (m.start(1), m.end(1), m.group(1).lower()))
        return sorted(out.values())

    def _node(
        self, group: str, side: str | None, s: Sentence, a: int, b: int, label: str | None, pleural: bool
    ) -> None:
        st = _status(self.doc, s, a, b, "absent")
        if not pleural:
            if self.site == "peritoneum" and st.why != "stated":
                self.add("peritoneal.nodes_positive", st, s, a, b)
            return
        same, opposite = self.r.groups[group]
        rel = _relation(side, self.laterality)
        note = label
        if rel == "unstated" and same != opposite:
            if st.status == "absent":
                targets = [same, opposite]
            else:
                targets = [same]
                note = (label + ": " if label else "") + "side not stated: the same side (less advanced) is taken"
        elif rel == "both":
            targets = [same, opposite]
        else:
            targets = [same if rel == "same" else opposite]
        for t in dict.fromkeys(targets):
            self.add(f"nodes.{t}", st, s, a, b, note)

    # ------------------------------------------------------------------ numbers and the rest
    def measurements(self) -> tuple[float | None, float | None]:
        c = self.r.compiled
        stated: tuple[float, re.Match[str], Sentence] | None = None
        computed: tuple[float, re.Match[str], Sentence] | None = None
        fmax: tuple[float, re.Match[str], Sentence] | None = None
        for s in self.facts:
            m = c["measurements.sum"].search(s.text)
            if m and stated is None:
                stated = (_mm(m.group(1), m.group(2)), m, s)
            if c["measurements.thickness"].search(s.text) and c["measurements.three_levels"].search(s.text):
                numbers = list(c["measurements.number"].finditer(s.text))
                numbers = [n for n in numbers if not (m and m.start() <= n.start() < m.end())]
                if len(numbers) == 3 and computed is None:
                    computed = (sum(_mm(n.group(1), n.group(2)) for n in numbers), numbers[0], s)
            for f in c["measurements.fissure"].finditer(s.text):
                st = _status(self.doc, s, f.start(), f.end(), "present")
                if st.status == "absent":
                    continue
                value = _mm(f.group(1), f.group(2))
                if fmax is None or value > fmax[0]:
                    fmax = (value, f, s)
        psum_value: float | None = None
        for item, how in ((stated, "stated sum"), (computed, "sum of three levels")):
            if item is None:
                continue
            value, m, s = item
            if psum_value is None:
                psum_value = value
                self.evidence.append(
                    self._ev(Assertion("tumor.psum_mm", _num(value), "measured", None, m.start(), m.end(), s, how))
                )
            elif abs(value - psum_value) > 0.5:
                self.notes.append(
                    f"The stated Psum ({_num(psum_value)} mm) and the three levels ({_num(value)} mm) differ."
                )
        fmax_value = None
        if fmax is not None:
            fmax_value, m, s = fmax
            self.evidence.append(
                self._ev(Assertion("tumor.fmax_mm", _num(fmax_value), "measured", None, m.start(), m.end(), s))
            )
        return psum_value, fmax_value

    def effusion(self) -> bool | None:
        c = self.r.compiled
        value: bool | None = None
        for s in self.facts:
            for m in c["effusion.mention"].finditer(s.text):
                a, b = m.start(), m.end()
                if _relation(_side_of(s, a, b), self.laterality) == "opposite":
                    continue
                ca, cb = s.clause_of(a)
                clause = s.text[ca:cb]
                st = _status(self.doc, s, a, b, "present")
                if c["effusion.benign"].search(clause):
                    found: bool | None = False
                    why = "negated"
                elif st.why == "prior" or st.status == "unknown":
                    continue
                elif c["effusion.malignant"].search(clause):
                    found, why = True, "affirmed"
                elif st.status == "absent" and st.why == "negated":
                    found, why = False, "negated"
                else:
                    continue
                self.evidence.append(
                    self._ev(Assertion("pleural_effusion_malignant", str(found).lower(), why, st.cue, a, b, s))
                )
                if value is None or found:
                    value = found
        return value

    def reported_stage(self) -> dict[str, str] | None:
        m = self.r.compiled["reported_stage.pattern"].search(self.text)
        if not m:
            loose = self.r.compiled["reported_stage.no_edition"].search(self.text)
            if loose:
                self.notes.append(
                    f"The text gives a stage ({loose.group(0).strip()}) without naming the TNM edition: it is not "
                    "filled in as the stage already given; enter it with its edition to have it compared."
                )
            return None
        system = {"7": "tnm7", "8": "tnm8", "9": "tnm9"}[m.group(2)]
        self._doc_ev("reported_stage", f"{system}:{m.group(1).upper()}", m)
        return {"system": system, "stage": m.group(1).upper()}

    def peritoneal(self) -> dict[str, Any] | None:
        c = self.r.compiled
        aliases: list[list[str]] = self.r.doc["peritoneal"]["aliases"]
        scores: dict[int, int] = {}
        for s in self.facts:
            for i, names in enumerate(aliases):
                if i in scores:
                    continue
                alt = "|".join(re.escape(n) for n in names)
                rx = re.compile(
                    rf"(?:\b\d{{1,2}}\s+)?\b(?:{alt})\b{self.r.doc['peritoneal']['region_score']}(?!\s*(?:cm|mm))",
                    FLAGS,
                )
                m = rx.search(s.text)
                if m:
                    scores[i] = int(m.group(1))
                    self.evidence.append(
                        self._ev(
                            Assertion(
                                f"peritoneal.region.{i}",
                                m.group(1),
                                "measured",
                                None,
                                m.start(),
                                m.end(),
                                s,
                                PCI_REGION_NAMES[i],
                            )
                        )
                    )
        out: dict[str, Any] = {
            "pci_regions": None,
            "pci": None,
            "nodes_positive": None,
            "extra_abdominal_metastases": None,
        }
        if len(scores) == len(PCI_REGION_NAMES):
            out["pci_regions"] = [scores[i] for i in range(len(PCI_REGION_NAMES))]
        elif scores:
            self.notes.append(
                f"Only {len(scores)} of the 13 PCI regions are scored in the text: the regions are not filled."
            )
        for s in self.facts:
            m = c["peritoneal.total"].search(s.text)
            if m and int(m.group(1)) <= 39:
                total = int(m.group(1))
                if out["pci_regions"] is not None and sum(out["pci_regions"]) != total:
                    self.notes.append(
                        f"The stated PCI ({total}) is not the sum of the region scores: only the regions are kept."
                    )
                else:
                    out["pci"] = total
                    self.evidence.append(
                        self._ev(Assertion("peritoneal.pci", str(total), "measured", None, m.start(), m.end(), s))
                    )
                break
        extra: bool | None = None
        for s in self.facts:
            for m in c["peritoneal.extra_abdominal"].finditer(s.text):
                st = _status(self.doc, s, m.start(), m.end(), "unknown")
                if st.status == "absent" and st.why == "negated":
                    v: bool | None = False
                elif st.status == "present":
                    v = True
                else:
                    continue
                self.evidence.append(
                    self._ev(
                        Assertion(
                            "peritoneal.extra_abdominal_metastases",
                            str(v).lower(),
                            st.why,
                            st.cue,
                            m.start(),
                            m.end(),
                            s,
                        )
                    )
                )
                extra = bool(v or extra)
        out["extra_abdominal_metastases"] = extra
        nodes = [a for a in self.assertions if a.field == "peritoneal.nodes_positive"]
        if any(a.status == "present" for a in nodes):
            out["nodes_positive"] = True
        elif nodes and all(a.status == "absent" for a in nodes):
            out["nodes_positive"] = False
        for a in nodes:
            self.evidence.append(self._ev(a))
        if all(v is None for v in out.values()):
            return None
        return out

    # ------------------------------------------------------------------ assembly
    def _rank(self, s: Sentence, pos: int) -> int:
        """How definitive the test a clause reports is (document.toml [later_test]): the clause's words, else the
        sentence's, else the report kind's."""
        ca, cb = s.clause_of(pos)
        key = (s.start, ca)
        if key not in self._ranks:
            c = self.r.compiled
            scopes = (s.text[ca:cb], s.text)
            found = [r for scope in scopes for r in (3, 2, 1) if c[f"later_test.rank{r}"].search(scope)]
            kind_rank: dict[str, int] = self.r.doc["later_test"]["kind_rank"]
            self._ranks[key] = found[0] if found else kind_rank.get(self.kind, 0)
        return self._ranks[key]

    def _later_tests(self, by_field: dict[str, list[Assertion]]) -> dict[str, Assertion]:
        """Findings an earlier test called present that a later, more definitive test in the same text did not
        find: the later result decides (named: its status; a result that names no finding: not known for the
        tumour, absent for nodes and spread). See document.toml [later_test]."""
        c = self.r.compiled
        spares = frozenset(self.r.doc["later_test"]["generic_spares"])
        unconfirmed = c["later_test.unconfirmed"]
        generic: dict[str, list[Assertion]] = {}

        def unnamed(section: str) -> list[Assertion]:  # the results that name no finding (found once, if needed)
            if not generic:
                for sec, status in self.r.doc["later_test"]["generic_status"].items():
                    generic[sec] = [
                        Assertion(f"{sec}.*", status, "negated", m.group(0), m.start(), m.end(), s)
                        for s in self.facts
                        for m in c[f"later_test.generic_{sec}"].finditer(s.text)
                    ]
                generic["nodes"] += [a for a in by_field.get("nodes.any", ()) if a.status == "absent"]
            return generic[section]

        def overturns(a: Assertion, section: str) -> bool:
            return a.status in ("absent", "unknown") and (
                a.why in ("negated", "benign")
                # a hedge is weaker evidence, not a disproof: only "not confirmed" leaves it open
                or (a.why == "hedged" and a.cue is not None and unconfirmed.search(a.cue) is not None)
                # (a node named with no abnormal word is reported normal: "EBUS-TBNA: station 4R", benign)
                or (a.why == "stated" and section == "nodes")
            )

        out: dict[str, Assertion] = {}
        for fld, items in by_field.items():
            section = fld.split(".", 1)[0] if "." in fld else "tumor"
            if section not in ("tumor", "nodes", "metastases") or fld.endswith(".any"):
                continue
            present = [a for a in items if a.status == "present"]
            if not present:
                continue
            last = max((a.sentence.start, a.start) for a in present)
            named = [a for a in items if (a.sentence.start, a.start) > last and overturns(a, section)]
            others = [] if fld in spares else [g for g in unnamed(section) if (g.sentence.start, g.start) > last]
            if not named and not others:
                continue
            top = max(self._rank(a.sentence, a.start) for a in present)
            # a result naming this finding comes first
            later = [a for a in named if self._rank(a.sentence, a.start) > top] or [
                g for g in others if self._rank(g.sentence, g.start) > top
            ]
            if not later:
                continue
            d = max(later, key=lambda a: (a.sentence.start, a.start))
            out[fld] = Assertion(
                fld,
                d.status,
                "overturned",
                d.cue,
                d.start,
                d.end,
                d.sentence,
                "an earlier, less definitive test called it present; this later test did not find it",
            )
        return out

    def sections(self) -> dict[str, Any]:
        r = self.r
        by_field: dict[str, list[Assertion]] = {}
        for a in self.assertions:
            by_field.setdefault(a.field, []).append(a)
        status: dict[str, Assertion] = {}
        overturned = self._later_tests(by_field)
        for fld, items in by_field.items():
            best = overturned.get(fld) or min(items, key=lambda x: PRECEDENCE.index(x.status))
            status[fld] = best
        _extent(
            status,
            "tumor.chest_wall",
            "tumor.chest_wall_solitary",
            "tumor.chest_wall_narrow",
            "tumor.chest_wall_diffuse",
            "tumor.chest_wall_wide",
            wide_implies_narrow=False,
        )
        _extent(
            status,
            "tumor.pericardium",
            "tumor.pericardium_nontransmural",
            "tumor.pericardium_narrow",
            "tumor.pericardium_through",
            "tumor.pericardium_wide",
            wide_implies_narrow=True,
        )
        for fld, a in list(status.items()):
            if a.status == "present":
                for p in r.phrases:
                    if p.field == fld:
                        for implied in p.implies:
                            if implied not in status or PRECEDENCE.index(status[implied].status) > 0:
                                status[implied] = Assertion(
                                    implied,
                                    "present",
                                    "implied",
                                    None,
                                    a.start,
                                    a.end,
                                    a.sentence,
                                    f"follows from {fld}",
                                )
        sections: dict[str, Any] = {}
        not_named: list[Assertion] = []
        for section in ("tumor", "nodes", "metastases"):
            in_section = {f: a for f, a in status.items() if f.startswith(section + ".")}
            if all(a.status == "not_assessed" for a in in_section.values()):
                sections[section] = None
                continue
            findings = sorted(f.split(".", 1)[1] for f, a in in_section.items() if a.status == "present" and _real(f))
            unknown = sorted(f.split(".", 1)[1] for f, a in in_section.items() if a.status == "unknown" and _real(f))
            sections[section] = {"findings": findings, "unknown": unknown}
            # every other item of a described section is absent by the case-format rule: say where it was described
            first = min(
                (a for a in in_section.values() if a.status != "not_assessed"),
                key=lambda a: (a.sentence.start, a.start),
            )
            named = {f.split(".", 1)[1] for f in in_section}
            for name in _VOCABULARY[section]:
                if name not in named:
                    not_named.append(
                        Assertion(
                            f"{section}.{name}",
                            "absent",
                            "not_named",
                            None,
                            first.start,
                            first.end,
                            first.sentence,
                            f"the report describes the {_SECTION_WORD[section]} and does not "
                            "name this item: absent by the case-format rule",
                        )
                    )
        for items in by_field.values():
            for a in items:
                self.evidence.append(self._ev(a))
        listed = {id(a) for items in by_field.values() for a in items}
        for a in status.values():
            if id(a) not in listed:
                self.evidence.append(self._ev(a))
        for a in not_named:
            self.evidence.append(self._ev(a))
        return sections

    def run(self) -> Extraction:
        is_meso, message = self.diagnosis()
        if is_meso is False:
            return Extraction(
                is_mesothelioma=False,
                message=message,
                kinds=[self.kind],
                case=None,
                evidence=self.evidence,
                notes=self.notes,
            )
        self.detect_site()
        case: dict[str, Any] = {"site": self.site}
        if self.site == "pleura":
            self.laterality = self.detect_laterality()
            if self.laterality:
                case["laterality"] = self.laterality
        histology = self.detect_histology()
        if histology:
            case["histology"] = histology
        basis = self.detect_basis()
        if basis:
            case["basis"] = basis
        if self.site != "peritoneum":
            self.phrases()
        self.nodes()
        if self.site == "pleura":
            sections = self.sections()
            for name in ("tumor", "nodes", "metastases"):
                if sections[name] is not None:
                    case[name] = sections[name]
            psum, fmax = self.measurements()
            if case.get("tumor") is not None:
                if psum is not None:
                    case["tumor"]["psum_mm"] = psum
                if fmax is not None:
                    case["tumor"]["fmax_mm"] = fmax
            effusion = self.effusion()
            if effusion is not None:
                case["pleural_effusion_malignant"] = effusion
        elif self.site == "peritoneum":
            block = self.peritoneal()
            if block is not None:
                case["peritoneal"] = block
        else:
            sections = self.sections()
            if sections["metastases"] is not None:
                case["metastases"] = sections["metastases"]
        reported = self.reported_stage()
        if reported:
            case["reported_stage"] = reported
        try:
            parse_case(case)
        except CaseError as exc:  # pragma: no cover - a draft is built to be valid; say so rather than hide it
            self.notes.append("The draft could not be made valid: " + "; ".join(str(e) for e in exc.errors))
            for err in exc.errors:
                top = err.path.split(".")[0].split("[")[0]
                case.pop(top, None)
        return Extraction(
            is_mesothelioma=is_meso,
            message=message,
            kinds=[self.kind],
            case=case,
            evidence=self.evidence,
            notes=self.notes,
        )


#: phrases whose side is the primary's (pleural surfaces, and the chest wall and ribs it invades)
_SIDE_FIELDS = frozenset(
    (
        "pleura",
        "tumor.visceral_pleura",
        "tumor.diaphragmatic_pleura",
        "tumor.chest_wall",
        "tumor.rib",
        "tumor.lung_parenchyma",  # the lung the pleural tumour invades is on its side
    )
)

_VOCABULARY = {"tumor": TUMOR_FINDINGS, "nodes": NODE_FINDINGS, "metastases": METASTASIS_FINDINGS}
_SECTION_WORD = {"tumor": "main tumour", "nodes": "lymph nodes", "metastases": "spread"}

_NON_PLEURAL_FIELDS = frozenset(
    f"metastases.{n}" for n in ("liver", "adrenal", "bone", "brain", "distant_nodes", "other_distant", "any")
)


def _landmark(p: Phrase, s: Sentence, a: int) -> bool:
    """Is this mention a place named to say where something is ("at the level of the 6th rib", "along the 7th
    rib", "between the first two ribs"), not a finding? (vocabulary.toml [landmark])"""
    return p.landmark is not None and p.landmark.search(s.text[max(0, a - 80) : a].translate(LOWER)) is not None


def _real(fld: str) -> bool:
    name = fld.split(".", 1)[1]
    return (name != "any" and not name.startswith("chest_wall_")) or name in (
        "chest_wall_solitary",
        "chest_wall_diffuse",
    )


def _extent(
    status: dict[str, Assertion],
    generic: str,
    narrow: str,
    narrow_cue: str,
    wide: str,
    wide_cue: str,
    *,
    wide_implies_narrow: bool,
) -> None:
    """Chest wall and pericardium: how far the tumour goes (see the corpus conventions)."""
    g = status.pop(generic, None)
    n_cue = status.pop(narrow_cue, None)
    w_cue = status.pop(wide_cue, None)
    mention = g or n_cue or w_cue
    if mention is None:
        return
    if w_cue is not None and w_cue.status == "present":
        status[wide] = w_cue
        if wide_implies_narrow:
            status[narrow] = Assertion(
                narrow, "present", "implied", None, w_cue.start, w_cue.end, w_cue.sentence, f"follows from {wide}"
            )
        else:
            status[narrow] = Assertion(
                narrow, "absent", "implied", None, w_cue.start, w_cue.end, w_cue.sentence, "diffuse, not solitary"
            )
        return
    base = n_cue if n_cue is not None and n_cue.status == "present" else g
    if base is None:
        base = n_cue or w_cue
    assert base is not None
    if base.status in ("absent", "unknown", "not_assessed"):
        status[narrow] = Assertion(narrow, base.status, base.why, base.cue, base.start, base.end, base.sentence)
        status[wide] = Assertion(
            wide, w_cue.status if w_cue else base.status, base.why, base.cue, base.start, base.end, base.sentence
        )
        return
    status[narrow] = Assertion(narrow, "present", base.why, base.cue, base.start, base.end, base.sentence)
    if w_cue is not None:
        status[wide] = w_cue
    elif n_cue is not None and n_cue.status == "present":
        status[wide] = Assertion(
            wide, "absent", "implied", None, n_cue.start, n_cue.end, n_cue.sentence, "described as a single focus"
        )
    else:
        status[wide] = Assertion(
            wide, "unknown", "hedged", None, base.start, base.end, base.sentence, "extent not stated"
        )


def _surface_matches(text: str) -> list[tuple[tuple[int, int], int, int, str]]:
    """Coordinated pleural surfaces: 'the costal, mediastinal and diaphragmatic pleura' -> one mention each
    (with the span of the whole phrase)."""
    out = []
    for m in _SURFACES.finditer(text):
        for w in _SURFACE_WORD.finditer(m.group(1)):
            fld = _SURFACE_FIELDS.get(w.group(0).lower().replace("-", ""))
            if fld:
                a = m.start(1) + w.start()
                out.append((m.span(), a, a + len(w.group(0)), fld))
    return out


_ADJ = (
    r"costal|parietal|costo-?parietal|visceral|mediastinal|diaphragmatic|posterior|anterior|lateral|apical|basal|"
    r"paravertebral|posterolateral"
)
_SURFACES = re.compile(
    rf"\b((?:{_ADJ})(?:\s*(?:,|and|or|/|&)\s*(?:the\s+)?(?:{_ADJ}))*)\s+(?:pleura\w*|pleua|surfaces?)\b", FLAGS
)
_SURFACE_WORD = re.compile(_ADJ, FLAGS)
_SURFACE_FIELDS = {
    "costal": "tumor.parietal_pleura",
    "parietal": "tumor.parietal_pleura",
    "costoparietal": "tumor.parietal_pleura",
    "visceral": "tumor.visceral_pleura",
    "mediastinal": "tumor.mediastinal_pleura",
    "diaphragmatic": "tumor.diaphragmatic_pleura",
}


@cache
def _surface_phrase(fld: str) -> Phrase:
    return Phrase(fld, re.compile(""), "nowak2016", sided="route")


def _mm(value: str, unit: str) -> float:
    return round(float(value) * (10.0 if unit.lower() == "cm" else 1.0), 1)


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def _shift(m: re.Match[str], offset: int, text: str) -> re.Match[str]:
    found = re.compile(re.escape(m.group(0))).search(text, offset)
    assert found is not None
    return found


def extract_one(text: str, kind: str | None = None, report: int = 0) -> Extraction:
    return _Extractor(text, kind, report).run()
