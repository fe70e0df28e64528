"""Measures for the trial-matching evaluation (``benchmarks/trials_eval.py``): ranking, pair and criterion level.

Pair level: every (profile, trial) pair is judged ``eligible``, ``excluded`` or ``not_relevant`` by hand; the
matcher's answer for the pair is ``offered`` (a possible match: nothing known counts against the person),
``check first`` (listed with the possible matches, but an open question about something the person has decides it:
not shown as fitting, so not counted as offered), ``excluded`` (listed with a reason against) or ``not listed`` (left
out as another site or not mesothelioma). Criterion level: a criterion labelled by hand is
found among the matcher's criteria for that trial by its words (:func:`map_criterion`), and the two labels are
compared (four labels, a 4x4 confusion).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

__all__ = [
    "GAINS",
    "LABELS",
    "CriterionMatch",
    "CriterionScore",
    "PairScore",
    "criterion_scores",
    "map_criterion",
    "ndcg",
    "normalise_words",
    "pair_scores",
]

#: Relevance gains for NDCG, as in the TREC Clinical Trials track: eligible 2, excluded 1, not relevant 0.
GAINS: dict[str, int] = {"eligible": 2, "excluded": 1, "not_relevant": 0}
OFFERED, CHECK_FIRST, EXCLUDED, NOT_LISTED = "offered", "check first", "excluded", "not listed"


def ndcg(ranked: Sequence[str], gains: Mapping[str, int], k: int = 10) -> float:
    """NDCG@k with exponential gains (2^g - 1); items missing from ``gains`` count 0. 0.0 when nothing is relevant."""
    dcg = sum((2 ** gains.get(item, 0) - 1) / math.log2(i + 2) for i, item in enumerate(ranked[:k]))
    ideal = sorted(gains.values(), reverse=True)[:k]
    idcg = sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / idcg if idcg else 0.0


@dataclass
class PairScore:
    """Pair-level counts over all profiles. ``lost`` lists the eligible pairs the matcher did not offer."""

    eligible: int = 0
    offered: int = 0
    offered_eligible: int = 0
    judged_excluded: int = 0
    excluded_caught: int = 0  # judged excluded and not offered (listed as excluded, or not listed)
    excluded_listed: int = 0  # judged excluded and listed as excluded with a reason
    not_relevant_offered: int = 0
    check_first: Counter[str] = field(default_factory=Counter)  # judged label -> pairs answered "check first"
    lost: list[tuple[str, str, str]] = field(default_factory=list)  # (profile, nct id, how: excluded / not listed)
    wrongly_offered: list[tuple[str, str, str]] = field(default_factory=list)  # (profile, nct id, judged label)

    @property
    def precision(self) -> float:
        return self.offered_eligible / self.offered if self.offered else 0.0

    @property
    def recall(self) -> float:
        return self.offered_eligible / self.eligible if self.eligible else 0.0

    @property
    def exclusions_caught(self) -> float:
        return self.excluded_caught / self.judged_excluded if self.judged_excluded else 0.0


def pair_scores(judged: Mapping[tuple[str, str], str], answered: Mapping[tuple[str, str], str]) -> PairScore:
    """Compare judged labels (``eligible`` / ``excluded`` / ``not_relevant``) with the matcher's answers
    (``offered`` / ``check first`` / ``excluded`` / ``not listed``; a pair missing from ``answered`` is ``not
    listed``)."""
    s = PairScore()
    for key, label in sorted(judged.items()):
        got = answered.get(key, NOT_LISTED)
        if got == OFFERED:
            s.offered += 1
        elif got == CHECK_FIRST:
            s.check_first[label] += 1
        if label == "eligible":
            s.eligible += 1
            if got == OFFERED:
                s.offered_eligible += 1
            else:
                s.lost.append((key[0], key[1], got))
        elif got == OFFERED:
            s.wrongly_offered.append((key[0], key[1], label))
        if label == "excluded":
            s.judged_excluded += 1
            if got != OFFERED:
                s.excluded_caught += 1
            if got == EXCLUDED:
                s.excluded_listed += 1
        if label == "not_relevant" and got == OFFERED:
            s.not_relevant_offered += 1
    return s


# ------------------------------------------------------------------------------------------------ criteria

_ESCAPE = re.compile(r"\\(?=[\[\]<>*_~#()\-.+!|=])")
_NON_WORD = re.compile(r"[^0-9a-z]+")


def normalise_words(text: str) -> list[str]:
    """Lower-cased words and numbers of a criterion text: the registry's backslash escapes, bullets, punctuation
    and line breaks are dropped (so ``"ANC >=1,500/mm^3"`` gives ``["anc", "1", "500", "mm", "3"]``)."""
    return [w for w in _NON_WORD.split(_ESCAPE.sub("", text).lower()) if w]


@dataclass(frozen=True)
class CriterionMatch:
    """Where a labelled criterion was found: the index of the matcher's criterion (None: not found), the share of
    the labelled words it covers, and whether it is much longer than the labelled text (a run-on criterion)."""

    index: int | None
    cover: float
    coarse: bool


def map_criterion(
    text: str,
    candidates: Sequence[str],
    *,
    threshold: float = 0.8,
    kind: str | None = None,
    kinds: Sequence[str] | None = None,
) -> CriterionMatch:
    """Find the matcher's criterion that holds a labelled criterion: the candidate covering the largest share of
    the labelled words (counted with repeats), at least ``threshold``; ties go to a candidate of the labelled
    ``kind`` (inclusion / exclusion, when ``kinds`` gives each candidate's: "ECOG performance status <=2" and "...
    >2" have the same words, NCT02555007), then to the shortest. A match more than three times as long as the
    labelled text is flagged ``coarse`` (the reader did not split it)."""
    want = Counter(normalise_words(text))
    total = sum(want.values())
    if not total:
        return CriterionMatch(None, 0.0, False)
    best: tuple[float, int, int, int] | None = None  # (cover, same kind, -length, index)
    for i, cand in enumerate(candidates):
        words = Counter(normalise_words(cand))
        cover = sum((want & words).values()) / total
        same = int(kind is not None and kinds is not None and kinds[i] == kind)
        key = (cover, same, -sum(words.values()), i)
        if best is None or key[:3] > best[:3]:
            best = key
    if best is None or best[0] < threshold:
        return CriterionMatch(None, best[0] if best else 0.0, False)
    return CriterionMatch(best[3], best[0], -best[2] > 3 * total)


LABELS: tuple[str, ...] = ("met", "not met", "not applicable", "not enough information")


@dataclass
class CriterionScore:
    """Criterion-level results for one group of labelled criteria (a type, or all)."""

    labelled: int = 0
    unmapped: int = 0
    not_listed: int = 0  # the matcher did not list the trial for this profile, so it has no criteria to compare
    coarse: int = 0
    decidable: int = 0
    decidable_correct: int = 0
    mapped: int = 0
    mapped_correct: int = 0
    confusion: Counter[tuple[str, str]] = field(default_factory=Counter)  # (expected, matcher) -> count

    @property
    def accuracy_decidable(self) -> float:
        return self.decidable_correct / self.decidable if self.decidable else 0.0

    @property
    def accuracy_mapped(self) -> float:
        return self.mapped_correct / self.mapped if self.mapped else 0.0


def criterion_scores(rows: Iterable[tuple[str, str, bool, str | None, bool | None]]) -> dict[str, CriterionScore]:
    """Score labelled criteria. Each row: (type, expected label, decidable, matcher label or None, coarse or None);
    a matcher label of None with coarse None means the trial was not listed, with coarse False that the criterion
    was not found. Returns one score per type and ``"all"``."""
    out: dict[str, CriterionScore] = {}
    for type_, expected, decidable, got, coarse in rows:
        for key in (type_, "all"):
            s = out.setdefault(key, CriterionScore())
            s.labelled += 1
            if got is None:
                if coarse is None:
                    s.not_listed += 1
                else:
                    s.unmapped += 1
                continue
            s.mapped += 1
            s.coarse += bool(coarse)
            s.mapped_correct += got == expected
            s.confusion[(expected, got)] += 1
            if decidable:
                s.decidable += 1
                s.decidable_correct += got == expected
    return out
