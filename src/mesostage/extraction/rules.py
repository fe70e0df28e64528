"""The extraction rules, read from the TOML files in ``data/`` and compiled once.

Every phrase group, cue class, station row and document rule names a source key of ``data/sources.toml``; a
missing or unknown key is an error when the rules load (tested), so no rule goes without its source.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

__all__ = ["CUE_CLASSES", "LOWER", "CueSet", "NodeName", "Phrase", "Rules", "rules"]

FLAGS = re.IGNORECASE
#: Cue classes, in the order of precedence a mention's status follows (see cues.toml).
CUE_CLASSES = (
    "negation_pre",
    "negation_post",
    "prior",
    "not_assessed",
    "hedge",
    "benign",
    "affirm",
    "pseudo",
)


def _data(name: str) -> dict[str, Any]:
    text = resources.files("mesostage.extraction").joinpath("data", name).read_text(encoding="utf-8")
    return tomllib.loads(text)


def _any(patterns: list[str], flags: int = FLAGS) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in patterns), flags)


#: ASCII upper to lower case, one character for one (offsets stay put): phrase patterns run on this.
LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


@dataclass(frozen=True)
class Phrase:
    """One phrase group: the patterns that name ``field`` and how a bare mention reads."""

    field: str
    regex: re.Pattern[str]
    source: str
    plain: str | None = None  # None: the section's default
    requires: re.Pattern[str] | None = None
    negation_only: bool = False
    implies: tuple[str, ...] = ()
    sided: str = "keep"
    why: str | None = None
    landmark: re.Pattern[str] | None = None  # words right before a match that make it a place, not a finding


@dataclass(frozen=True)
class NodeName:
    regex: re.Pattern[str]
    group: str
    side: str | None
    source: str


@dataclass(frozen=True)
class CueSet:
    """All cues in one alternation (longest first, so 'not suspicious' beats 'suspicious'); each alternative
    is a named group ``c<i>`` and ``classes[i]`` says which classes it belongs to."""

    regex: re.Pattern[str]
    classes: tuple[frozenset[str], ...]
    terminators: re.Pattern[str]
    sources: dict[str, str]


@dataclass(frozen=True)
class Rules:
    sources: dict[str, dict[str, str]]
    phrases: tuple[Phrase, ...]
    cues: CueSet
    groups: dict[str, tuple[str, str]]
    stations: dict[str, tuple[str, str | None, str]]  # number -> (group, fixed side, source)
    names: tuple[NodeName, ...]
    distant: re.Pattern[str]
    node_word: re.Pattern[str]
    not_node: re.Pattern[str]
    generic_node: re.Pattern[str]
    doc: dict[str, Any]
    compiled: dict[str, re.Pattern[str]]

    def source_of(self, key: str) -> str:
        return self.sources[key]["citation"]


def _check_source(sources: dict[str, Any], key: object, where: str) -> str:
    if not isinstance(key, str) or key not in sources:
        raise ValueError(f"extraction rules: {where} names no known source ({key!r})")
    return key


def _cues(data: dict[str, Any], sources: dict[str, Any]) -> CueSet:
    by_pattern: dict[str, set[str]] = {}
    cue_sources: dict[str, str] = {}
    for cls in CUE_CLASSES:
        block = data[cls]
        cue_sources[cls] = _check_source(sources, block.get("source"), f"cue class {cls}")
        for pattern in block["cues"]:
            by_pattern.setdefault(pattern, set()).add(cls)
    # longest match first: order by the shortest text each pattern can match (then the longest)
    parser = getattr(re, "_parser")  # noqa: B009 - the regex parser module has no public name
    widths = {p: parser.parse(p, FLAGS).getwidth() for p in by_pattern}
    ordered = sorted(by_pattern, key=lambda p: (-widths[p][0], -min(widths[p][1], 1000), p))
    # Factor the alternatives by their first letter, so that at each word start only the cues beginning with that
    # letter are tried (one alternation of ~170 cues is otherwise tried in full at every position).
    by_first: dict[str, list[str]] = {}
    others: list[str] = []
    for i, p in enumerate(ordered):
        if len(p) > 1 and p[0].isalpha() and p[1] not in "?*+{|":
            by_first.setdefault(p[0].lower(), []).append(f"(?P<c{i}>{p[1:]})")
        else:
            others.append(f"(?P<c{i}>{p})")
    branches = [f"{first}(?:{'|'.join(alts)})" for first, alts in by_first.items()] + others
    body = "(?<![\\w-])(?:" + "|".join(branches) + ")(?!\\w)"
    term = data["terminators"]
    cue_sources["terminators"] = _check_source(sources, term.get("source"), "terminators")
    return CueSet(
        regex=re.compile(body, FLAGS),
        classes=tuple(frozenset(by_pattern[p]) for p in ordered),
        terminators=re.compile("|".join(f"(?:{t})" for t in term["cues"]), FLAGS),
        sources=cue_sources,
    )


def _landmark(table: dict[str, Any], name: str) -> re.Pattern[str]:
    """The words before a structure that name it as a place: a preposition, then sides, ordinals or numbers."""
    return re.compile(rf"(?:{'|'.join(table[name])}){table.get(name + '_words', '')}\s*$")


@cache
def rules() -> Rules:
    """The compiled rules (loaded on first use, then kept)."""
    sources: dict[str, dict[str, str]] = _data("sources.toml")["sources"]
    vocab = _data("vocabulary.toml")
    phrases = []
    for i, p in enumerate(vocab["phrase"]):
        src = _check_source(sources, p.get("source"), f"phrase group {i} ({p.get('field')})")
        phrases.append(
            Phrase(
                field=p["field"],
                regex=_any(p["patterns"], 0),  # matched on ASCII-lowercased text (faster than IGNORECASE)
                source=src,
                plain=p.get("plain"),
                requires=_any(p["requires"]) if p.get("requires") else None,
                negation_only=bool(p.get("negation_only", False)),
                implies=tuple(p.get("implies", ())),
                sided=p.get("sided", "keep"),
                why=p.get("why"),
                landmark=_landmark(vocab["landmark"], p["landmark"]) if p.get("landmark") else None,
            )
        )
    st = _data("stations.toml")
    stations: dict[str, tuple[str, str | None, str]] = {}
    for row in st["station"]:
        src = _check_source(sources, row.get("source"), f"station {row['numbers']}")
        for number in row["numbers"]:
            stations[number.lower()] = (row["group"], row.get("side"), src)
    names = tuple(
        NodeName(
            regex=re.compile(rf"\b(?:{n['pattern']})\b"),  # on lowercased text, like the phrases
            group=n["group"],
            side=n.get("side"),
            source=_check_source(sources, n.get("source"), f"node name {n['pattern']}"),
        )
        for n in st["name"]
    )
    for d in st["distant"]:
        _check_source(sources, d.get("source"), "distant node names")
    doc = _data("document.toml")
    for key, block in doc.items():
        if isinstance(block, dict):
            _check_source(sources, block.get("source"), f"document rule [{key}]")
        else:
            for row in block:
                _check_source(sources, row.get("source"), f"document rule [[{key}]]")
    compiled: dict[str, re.Pattern[str]] = {}
    for key, block in doc.items():
        if isinstance(block, dict):
            for name, value in block.items():
                if isinstance(value, str) and name != "source":
                    compiled[f"{key}.{name}"] = re.compile(value, FLAGS | re.MULTILINE)
        else:
            for j, row in enumerate(block):
                compiled[f"{key}.{j}"] = re.compile(row["pattern"], FLAGS)
    words = st["words"]
    return Rules(
        sources=sources,
        phrases=tuple(phrases),
        cues=_cues(_data("cues.toml"), sources),
        groups={k: (v[0], v[1]) for k, v in st["groups"].items()},
        stations=stations,
        names=names,
        distant=re.compile(rf"\b(?:{'|'.join(d['pattern'] for d in st['distant'])})\b", FLAGS),
        node_word=re.compile(words["node"], FLAGS),
        not_node=re.compile(words["not_node"], FLAGS),
        generic_node=re.compile(words["generic"], FLAGS),
        doc=doc,
        compiled=compiled,
    )
