"""Which mesothelioma a study is about, from its registered conditions, keywords, titles and MeSH terms.

The registry's own search is fuzzy (trials.md §1.1, pitfall #72), so condition membership is checked here. A study
is tagged with the sites it names (``pleura``, ``peritoneum``, ``pericardium``, ``tunica_vaginalis``), ``any`` when
it names mesothelioma without a site, ``basket`` when its conditions are broader (e.g. advanced solid tumours) but
an inclusion criterion names mesothelioma or the treatment targets mesothelin, ``effusion`` for a trial of
malignant pleural effusion of any cause, and ``""`` when it is not about mesothelioma. ``basket`` and ``effusion``
trials can take a person with mesothelioma but are not mesothelioma-specific, and say so. A trial for lung cancer
only (or another single cancer) is never kept as a mesothelioma trial, even when its text mentions a pleural
effusion or mesothelioma (e.g. NCT00096486, "stage IIIB ... with malignant pleural effusion" in a lung-cancer
trial; "patients with mesothelioma are not eligible").
"""

from __future__ import annotations

import re

from mesostage.trials.study import Trial

__all__ = [
    "NOT_SPECIFIC",
    "SCOPE_ANY",
    "SCOPE_BASKET",
    "SCOPE_EFFUSION",
    "mesothelioma_scope",
    "reading_site",
    "scope_sites",
    "takes_site",
]

SCOPE_ANY = "any"
SCOPE_BASKET = "basket"
SCOPE_EFFUSION = "effusion"
#: Scopes that take a person with mesothelioma without being about mesothelioma.
NOT_SPECIFIC = frozenset({SCOPE_BASKET, SCOPE_EFFUSION})
_MESO = re.compile(r"mesotheliom|\bMPM\b|\bMPeM\b|\bPeM\b", re.IGNORECASE)
_SITE_WORDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("pleura", re.compile(r"pleura|\bMPM\b|thoracic", re.IGNORECASE)),
    ("peritoneum", re.compile(r"peritone|abdominal|\bMPeM\b|\bPeM\b", re.IGNORECASE)),
    ("pericardium", re.compile(r"pericard", re.IGNORECASE)),
    ("tunica_vaginalis", re.compile(r"tunica vaginalis|testic", re.IGNORECASE)),
)
_BROAD = re.compile(
    r"solid tumou?rs?|solid cancers?|neoplasms?\b|advanced cancers?|malignancies|mesothelin[- ](?:expressing|positive)",
    re.IGNORECASE,
)
_MESOTHELIN = re.compile(r"\bmesothelin\b|\bMSLN\b", re.IGNORECASE)
_EFFUSION = re.compile(
    r"malignant pleural effusions?|\bMPE\b|pleural malignanc|malignant pleural disease|\bMPD\b|"
    r"malignant effusions?",
    re.IGNORECASE,
)


def _may_name(text: str, words: tuple[str, ...]) -> bool:
    """False only when a case-insensitive pattern whose every match holds one of ``words`` (lower case) cannot
    match ``text``: ASCII text without any of them. A cheap test before the regular expression, which is slow on
    a 3 kB eligibility text and would run on every study of a full-registry import."""
    if not text.isascii():
        return True
    low = text.lower()
    return any(w in low for w in words)


_MESO_WORDS = ("mesotheliom", "mpm", "pem")  # every match of _MESO holds one of these
_EFFUSION_WORDS = ("malignan", "mpe", "mpd")  # every match of _EFFUSION holds one of these
_NEGATED = re.compile(
    r"(?:\bno\b|\bnot\b|\bexclud\w*|\bexcept\b|\bother than\b|\bwithout\b|\bnon-?)[^,;.]{0,30}$"
    # a list after "no": "No Ewing's sarcoma, Kaposi's sarcoma, bone sarcomas, mesotheliomas, or ..." (NCT00003718)
    r"|\bno\s(?:[^,;.:()]{1,40},\s*){1,10}(?:or\s+|and\s+)?[^,;.:()]{0,30}$",
    re.I,
)
#: an inline heading that opens a list of what is not taken: "Cell types NOT allowed: Malignant mesothelioma ..."
#: (NCT00003939), "The following histologies exclude: ... Mesothelioma ..." (NCT00002804)
_EXCLUDING_HEADING = re.compile(
    r"(?:not (?:be )?allowed|not (?:be )?eligible|ineligible(?:\s+[\w-]+){0,2}|exclude[sd]?|exclusions?)\s*:"
    r"(?:(?!\.\s|;|\b(?:eligible|allowed|included)\b[^:]{0,40}:).)*$",
    re.I,
)


_EXCLUDING = re.compile(
    r"not (?:be )?eligible|ineligible|(?:are|is|will be) excluded|not (?:be )?(?:allowed|permitted|included)|"
    r"must not have|cannot (?:be )?enrol",
    re.IGNORECASE,
)


#: a heading that opens a list of what is not taken ("Ineligible subtypes:", "The following ... are not eligible:")
_EXCLUDING_LIST = re.compile(
    r"(?:\bineligible\b|not (?:be )?eligible|not (?:be )?allowed|(?:are|is|will be) excluded|exclusions?|\bexclude)"
    r"[^:]{0,40}:\s*$",
    re.IGNORECASE,
)


def _other_cancer(text: str) -> bool:
    from mesostage.trials.criteria import vocabulary

    return bool(vocabulary().term_patterns["other_cancer"].search(text))


def _inclusion_names_mesothelioma(trial: Trial) -> bool:
    """An inclusion criterion that names mesothelioma as a disease the trial takes (not "no mesothelioma")."""
    from mesostage.trials.criteria import split_criteria

    # inside the items of a "The following tumor types are not eligible:" / "Cell types NOT allowed:" heading, and
    # the context those items share (None in flattened PDQ text, NCT00003939: the list runs to the next heading)
    in_excluded_list, list_context = False, None
    for c in split_criteria(trial.eligibility_text):
        if c.text.rstrip().endswith(":"):
            in_excluded_list, list_context = bool(_EXCLUDING_LIST.search(c.text)), c.context
            if in_excluded_list:
                continue
        elif in_excluded_list and c.context != list_context:
            in_excluded_list = False
        if c.kind != "inclusion" or in_excluded_list or _EXCLUDING_LIST.search(c.context or ""):
            # an item of a list of subtypes that are not eligible: "Ineligible subtypes: ... Malignant mesothelioma"
            # (NCT00002641), "The following tumor types are not eligible: ... Malignant mesothelioma" (NCT00413192)
            continue
        for m in _MESO.finditer(c.text):
            if _NEGATED.search(c.text[max(0, m.start() - 240) : m.start()]):
                continue
            if _EXCLUDING_HEADING.search(c.text[max(0, m.start() - 300) : m.start()]):
                continue
            # the sentence it is in: "Subjects with pseudomyxoma, mesothelioma, ... are not eligible" (NCT01253681)
            start = c.text.rfind(". ", 0, m.start()) + 1
            end = c.text.find(". ", m.end())
            if not _EXCLUDING.search(c.text[start : end if end >= 0 else len(c.text)]):
                return True
    return False


_ANY_EFFUSION = re.compile(r"\bpleural effusions?\b", re.IGNORECASE)
#: an effusion of a cause still to be found, or of another cause, is not one a person with mesothelioma has
_OTHER_EFFUSION = re.compile(
    r"unknown|undiagnosed|unexplained|without malignan|non-?malignan|benign|cardiac surgery|heart failure|"
    r"transudat|exudative|parapneumonic|empyema|infect",
    re.IGNORECASE,
)


def _inclusion_takes_any_effusion(trial: Trial) -> bool:
    """An inclusion criterion that asks for a pleural effusion of any cause (not of unknown or another cause)."""
    from mesostage.trials.criteria import split_criteria

    titles = " ".join((trial.brief_title, trial.official_title or ""))
    if _OTHER_EFFUSION.search(titles):
        return False
    for c in split_criteria(trial.eligibility_text):
        if c.kind == "inclusion" and (m := _ANY_EFFUSION.search(c.text)):
            return not _OTHER_EFFUSION.search(c.text) and not _NEGATED.search(
                c.text[max(0, m.start() - 40) : m.start()]
            )
    return False


#: what an all-comer trial calls the disease it takes when its eligibility text is all a record kept (no title, no
#: conditions): "advanced solid tumors" (NCT06970795), "advanced malignancy" (NCT03460457), "advanced/metastatic
#: malignant tumor" (NCT04296994), "malignant tumors ... with no restriction on cancer type" (NCT04734067), "Has been
#: diagnosed with cancer" (NCT05554432), "confirmed advanced or metastatic disease (unresectable)" (NCT03379259),
#: "evaluable carcinoma which has failed standard therapy" (NCT03468751: no organ named)
_ANY_CANCER = re.compile(
    r"solid (?:tumou?rs?|malignan\w*|cancers?|neoplasms?)|"
    r"\b(?:advanced|metastatic|recurrent|refractory)(?:\s*(?:/|or|and/or)\s*(?:advanced|metastatic|recurrent|"
    r"refractory))?\s+(?:malignan\w*|cancers?|neoplasms?|tumou?rs?)|"
    r"\bmalignant (?:solid )?tumou?rs?|\bdiagnosed with (?:a )?cancer\b|\bdiagnosis of (?:a )?cancer\b|"
    r"\bconfirmed (?:locally )?(?:advanced|metastatic)(?: or metastatic)? disease\b|"
    r"\b(?:measurable|evaluable|advanced|metastatic|recurrent|refractory)(?:\s+and/or\s+\w+)?\s+carcinomas?\b",
    re.IGNORECASE,
)
#: "NSCLC, head and neck, melanoma ... or any other advanced solid tumor" (NCT03514368): the named cancers are examples
_ANY_OTHER = re.compile(r"\b(?:any|or) other\s+(?:\w+\s+){0,2}$", re.IGNORECASE)


def _inclusion_takes_any_cancer(trial: Trial) -> bool:
    """The first inclusion criterion that says what disease the trial takes names no single cancer: it takes any
    (the record kept only its eligibility text, so nothing else says what it is about)."""
    from mesostage.trials.criteria import split_criteria

    for c in split_criteria(trial.eligibility_text):
        if c.kind != "inclusion":
            continue
        if not (m := _ANY_CANCER.search(c.text)):
            if _other_cancer(c.text):
                return False  # "stage IV NSCLC" (NCT03322566), "PM from GI, HPB, ... Sarcoma primaries" (NCT04956068)
            continue
        before = c.text[: m.start()]
        sentence = before[before.rfind(". ") + 1 :]
        return not _other_cancer(sentence) or bool(_ANY_OTHER.search(sentence))
    return False


def _text_scope(trial: Trial) -> str:
    from mesostage.trials.criteria import split_criteria

    sites: set[str] = set()
    for c in split_criteria(trial.eligibility_text):
        if c.kind == "inclusion" and (m := _MESO.search(c.text)):
            window = c.text[max(0, m.start() - 60) : m.end() + 20]
            sites.update(site for site, pattern in _SITE_WORDS if pattern.search(window))
    return ",".join(sorted(sites)) if sites else SCOPE_ANY


def mesothelioma_scope(trial: Trial) -> str:
    """``"pleura"``, ``"peritoneum,pleura"``, ``"any"``, ``"basket"``, ``"effusion"`` or ``""`` (module docstring)."""
    sites: set[str] = set()
    named = False
    titles = (trial.brief_title, trial.official_title or "")
    for text in (*trial.conditions, *trial.keywords, *titles, *trial.mesh_terms):
        if not (_may_name(text, _MESO_WORDS) and _MESO.search(text)):
            continue
        if _NEGATED.search(text[: _MESO.search(text).start()][-40:]):  # type: ignore[union-attr]
            continue
        named = True
        sites.update(site for site, pattern in _SITE_WORDS if pattern.search(text))
    if named:
        if sites and any(_BROAD.search(c) for c in trial.conditions):
            # "malignant pleural mesothelioma" and "solid tumors" (NCT00700336): a solid-tumour part takes any site
            return SCOPE_BASKET
        return ",".join(sorted(sites)) if sites else SCOPE_ANY
    described = " ; ".join((*trial.conditions, *trial.keywords, *titles))
    if not trial.conditions and trial.brief_title == trial.nct_id and _inclusion_names_mesothelioma(trial):
        # a record that kept only its eligibility text (no title, no conditions): the text says what it is about
        return _text_scope(trial)
    if not trial.conditions and trial.brief_title == trial.nct_id and _inclusion_takes_any_cancer(trial):
        return SCOPE_BASKET
    if (
        _may_name(trial.eligibility_text, _MESO_WORDS)
        and _MESO.search(trial.eligibility_text)
        and _inclusion_names_mesothelioma(trial)
    ):
        return SCOPE_BASKET
    treated = " ; ".join((described, *trial.interventions))
    if (
        _may_name(treated, ("mesothelin", "msln"))
        and _MESOTHELIN.search(treated)
        and not (_other_cancer(described) and not _BROAD.search(described))
    ):
        # a mesothelin-targeted treatment for several cancers: mesothelioma expresses mesothelin (a trial for
        # pancreatic cancer only that names mesothelin is not one)
        return SCOPE_BASKET
    if _may_name(described, _EFFUSION_WORDS) and _EFFUSION.search(described) and not _other_cancer(described):
        return SCOPE_EFFUSION
    if not trial.conditions and not _other_cancer(described) and _inclusion_takes_any_effusion(trial):
        # "any patient 18 to 99 year old with a diagnosis of pleural effusion and undergoing a diagnostic
        # thoracentesis" (NCT02208895): the effusion is named only in the criteria, and any cause will do
        return SCOPE_EFFUSION
    if (
        _BROAD.search(described)
        and not _other_cancer(described)
        and not (_may_name(trial.eligibility_text, _MESO_WORDS) and _MESO.search(trial.eligibility_text))
    ):
        # an all-comer trial ("Advanced Solid Tumors", "Unspecified Adult Solid Tumor, Protocol Specific",
        # "Neoplasms": NCT00004872, NCT00460278, NCT00496028) takes mesothelioma without naming it; one whose text
        # names mesothelioma only to exclude it has been turned away above
        return SCOPE_BASKET
    return ""


def scope_sites(scope: str) -> frozenset[str]:
    """The case-format sites a scope names; empty for ``any``, ``basket``, ``effusion`` and ``""``."""
    if scope in ("", SCOPE_ANY, SCOPE_BASKET, SCOPE_EFFUSION):
        return frozenset()
    return frozenset(scope.split(","))


def takes_site(scope: str, site: str) -> bool:
    """Whether a trial of this scope can take a person whose primary is ``site`` (effusion trials: the pleura)."""
    if scope in (SCOPE_ANY, SCOPE_BASKET):
        return True
    if scope == SCOPE_EFFUSION:
        return site == "pleura"
    return site in scope_sites(scope)


def reading_site(scope: str) -> str:
    """The site "MPM" names in this trial's text: the peritoneum in a peritoneum-only trial, else the pleura."""
    return "peritoneum" if scope_sites(scope) == {"peritoneum"} else "pleura"
