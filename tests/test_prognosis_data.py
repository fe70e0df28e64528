"""The survival and model data files: every stored figure against its published source, and every entry sourced.

The published numbers are written out here from the sources (see ``../shared/reference/prognosis.md`` and
``verification.md``); a figure added to the data file without a row here fails ``test_every_figure_is_tested``.
"""

from __future__ import annotations

import copy
import tomllib
from importlib import resources
from typing import Any

import pytest

from mesostage import load_system
from mesostage.prognosis.definitions import DataError, load_data, parse_data

# figure id: (source key, year, median, median unit, [(at, unit, percent, interval)])
PUBLISHED: dict[str, tuple[str, int, float | None, str | None, list[tuple[float, str, float, Any]]]] = {
    # Rusch 2012 (IASLC initial analysis, 7th edition): I 21, II 19, III 16, IV 12 months; by histology 19/13/8.
    "tnm7_stage_I": ("rusch2012", 2012, 21, "months", []),
    "tnm7_stage_II": ("rusch2012", 2012, 19, "months", []),
    "tnm7_stage_III": ("rusch2012", 2012, 16, "months", []),
    "tnm7_stage_IV": ("rusch2012", 2012, 12, "months", []),
    "histology_epithelioid": ("rusch2012", 2012, 19, "months", []),
    "histology_biphasic": ("rusch2012", 2012, 13, "months", []),
    "histology_sarcomatoid": ("rusch2012", 2012, 8, "months", []),
    # Rusch 2016 abstract: cM1 9.7 months; locally advanced (T4 or N3) cM0 13.4 months.
    "tnm8_stage_IV_cM1": ("rusch2016", 2016, 9.7, "months", []),
    "tnm8_stage_IIIB_T4_or_N3": ("rusch2016", 2016, 13.4, "months", []),
    # Kindler 2024: M1 10.5 vs M0 21.5 months; 1-year 46% vs 71%.
    "tnm9_M0": ("kindler2024", 2024, 21.5, "months", [(1, "years", 71, None)]),
    "tnm9_M1": ("kindler2024", 2024, 10.5, "months", [(1, "years", 46, None)]),
    # Yan 2011: 5-year survival 87%, 53%, 29% for stages I, II, III.
    "peritoneal_stage_I": ("yan2011", 2011, None, None, [(5, "years", 87, None)]),
    "peritoneal_stage_II": ("yan2011", 2011, None, None, [(5, "years", 53, None)]),
    "peritoneal_stage_III": ("yan2011", 2011, None, None, [(5, "years", 29, None)]),
    # Linton 2014 (NSW, n = 910): median 10.0 months. Edwards 2000 (Leicester, n = 142): 5.9 months,
    # 1-year 21.3% (13.9-28.7), 2-year 3.5% (0-8.5). Brims 2016 (Perth, n = 482): 12.6 months.
    "cohort_nsw": ("linton2014", 2014, 10.0, "months", []),
    "cohort_leicester": (
        "edwards2000",
        2000,
        5.9,
        "months",
        [(1, "years", 21.3, (13.9, 28.7)), (2, "years", 3.5, (0, 8.5))],
    ),
    "cohort_perth": ("brims2016", 2016, 12.6, "months", []),
    # Yan 2009 (n = 405): median 53 months, 3-year 60%, 5-year 47%. Shamavonian 2022 (n = 81): 53 months,
    # 1/3/5-year 76/55/49%.
    "cohort_crs_hipec_multicentre": ("yan2009", 2009, 53, "months", [(3, "years", 60, None), (5, "years", 47, None)]),
    "cohort_crs_hipec_sydney": (
        "shamavonian2022",
        2022,
        53,
        "months",
        [(1, "years", 76, None), (3, "years", 55, None), (5, "years", 49, None)],
    ),
}

# Population sizes printed in the sources.
POPULATION_N = {
    "rusch2012": 3101,
    "rusch2016": 2414,
    "kindler2024": 3221,
    "yan2011": 294,
    "yan2009": 405,
    "shamavonian2022": 81,
    "linton2014": 910,
    "edwards2000": 142,
    "brims2016": 482,
    "curran1998": 204,
    "kao2010": 173,
    "kusamura2016": 117,
    "herndon1998": 337,
}


def _raw(name: str) -> dict[str, Any]:
    text = resources.files("mesostage.prognosis").joinpath("data", name).read_text(encoding="utf-8")
    return tomllib.loads(text)


@pytest.mark.parametrize("figure_id", sorted(PUBLISHED))
def test_figure_matches_its_source(figure_id: str) -> None:
    data = load_data()
    fig = next(f for f in data.figures if f.id == figure_id)
    source, year, median, unit, survival = PUBLISHED[figure_id]
    assert fig.source == source
    assert data.sources[source].year == year
    assert str(year) in data.sources[source].citation
    assert (fig.median, fig.median_unit) == (median, unit)
    assert [(s.at, s.unit, s.percent, s.interval) for s in fig.survival] == survival


def test_every_figure_is_tested() -> None:
    assert {f.id for f in load_data().figures} == set(PUBLISHED)


@pytest.mark.parametrize(("source", "n"), sorted(POPULATION_N.items()))
def test_population_size_as_published(source: str, n: int) -> None:
    src = load_data().sources[source]
    assert src.n == n
    assert f"{n:,}" in src.population


def test_every_source_has_year_population_and_citation() -> None:
    for key, src in load_data().sources.items():
        assert str(src.year) in src.citation, key
        assert str(src.year) in src.short, key
        assert src.population, key
        assert src.plain_population, key


def test_stage_figures_use_the_systems_stage_labels_without_overlap() -> None:
    data = load_data()
    for system in {f.system for f in data.figures if f.system}:
        labels = load_system(system).stages
        seen: set[str] = set()
        for f in (f for f in data.figures if f.system == system):
            assert set(f.stages) <= set(labels), f.id
            assert not seen & set(f.stages), f"{f.id} overlaps another figure of {system}"
            seen |= set(f.stages)


def test_edition_population_and_basis_on_every_figure() -> None:
    for f in load_data().figures:
        assert f.edition, f.id
        assert f.basis, f.id
        assert f.scope, f.id
        if f.system:
            assert "edition" in f.edition or "TNM" in f.edition, f.id


def test_an_entry_without_a_source_fails_to_load() -> None:
    sources, survival, models = _raw("sources.toml"), _raw("survival.toml"), _raw("models.toml")
    parse_data(sources, survival, models)  # the shipped files load
    broken = copy.deepcopy(survival)
    del broken["figures"][0]["source"]
    with pytest.raises(DataError, match="source"):
        parse_data(sources, broken, models)
    unknown = copy.deepcopy(survival)
    unknown["figures"][0]["source"] = "nobody2099"
    with pytest.raises(DataError, match="unknown source 'nobody2099'"):
        parse_data(sources, unknown, models)
    no_year = copy.deepcopy(sources)
    del no_year["sources"]["rusch2012"]["year"]
    with pytest.raises(DataError, match="year"):
        parse_data(no_year, survival, models)
    factor = copy.deepcopy(models)
    del factor["models"]["eortc"]["factors"][0]["source"]
    with pytest.raises(DataError, match="source"):
        parse_data(sources, survival, factor)
    group = copy.deepcopy(models)
    group["models"]["lent"]["groups"][0]["source"] = "nobody2099"
    with pytest.raises(DataError, match="unknown source"):
        parse_data(sources, survival, group)


def test_a_figure_without_an_outcome_or_an_unexplained_interpretation_fails() -> None:
    sources, survival, models = _raw("sources.toml"), _raw("survival.toml"), _raw("models.toml")
    empty = copy.deepcopy(survival)
    del empty["figures"][0]["median"]
    del empty["figures"][0]["median_unit"]
    with pytest.raises(DataError, match="needs a median or a survival rate"):
        parse_data(sources, empty, models)
    unexplained = copy.deepcopy(survival)
    fig = next(f for f in unexplained["figures"] if f.get("evidence") == "interpretation")
    del fig["note"]
    with pytest.raises(DataError, match="interpretation needs a note"):
        parse_data(sources, unexplained, models)


def test_unverifiable_models_are_listed_not_guessed() -> None:
    data = load_data()
    listed = {n.id: n for n in data.not_available}
    for model in ("calgb", "brims2016", "promise"):
        assert listed[model].reason.startswith("not available: source tables not verifiable")
        assert model not in data.models
    assert listed["tnm8_stage_by_stage"].reason.startswith("not available: source tables not verifiable")
    # Only the two 8th-edition figures of the Rusch 2016 abstract are stored; nothing for IA to IIIA.
    tnm8 = {s for f in data.figures if f.system == "tnm8" for s in f.stages}
    assert tnm8 == {"IIIB", "IV"}
