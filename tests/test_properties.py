"""Property tests: monotonicity, range soundness and exactness, unknowns that matter, determinism.

The range and the unknowns that matter are computed per component without enumerating completions; here they are
checked against brute-force enumeration of every completion of the unknowns on small random cases.
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import Iterator
from typing import Any

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import mesostage
from mesostage.case import METASTASIS_FINDINGS, NODE_FINDINGS, SYSTEM_IDS, TUMOR_FINDINGS
from mesostage.staging import stage as stage_only

VOCAB = {"tumor": TUMOR_FINDINGS, "nodes": NODE_FINDINGS, "metastases": METASTASIS_FINDINGS}
PLEURAL_SYSTEMS = ["tnm8", "tnm9", "tnm7", "butchart", "brigham"]
PSUM_VALUES = (5.0, 20.0, 40.0)  # one value in each cT band: <=12, 12-30, >30
PCI_VALUES = (0, 5, 15, 25, 30, 35)

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def sections(draw: st.DrawFn, name: str, max_unknown: int) -> dict[str, Any] | None:
    """A section: missing, not assessed, or findings/unknown drawn from its vocabulary."""
    kind = draw(st.sampled_from(["given", "given", "given", "missing", "not_assessed"]))
    if kind == "missing":
        return None
    if kind == "not_assessed":
        return {"assessed": False}
    names = draw(st.lists(st.sampled_from(VOCAB[name]), unique=True, max_size=5 + max_unknown))
    n_unknown = draw(st.integers(0, min(max_unknown, len(names))))
    return {"findings": names[n_unknown:], "unknown": names[:n_unknown]}


@st.composite
def pleural_cases(draw: st.DrawFn, max_unknown: int = 4) -> dict[str, Any]:
    case: dict[str, Any] = {
        "site": "pleura",
        "basis": draw(st.sampled_from(["clinical", "pathological", "post_therapy"])),
    }
    for name in VOCAB:
        section = draw(sections(name, max_unknown))
        if section is not None:
            case[name] = section
    tumor = case.get("tumor")
    if tumor is not None and tumor.get("assessed", True):
        tumor["psum_mm"] = draw(st.one_of(st.none(), st.sampled_from([3.0, 12.0, 12.5, 25.0, 30.0, 31.0, 60.0])))
        tumor["fmax_mm"] = draw(st.one_of(st.none(), st.sampled_from([0.0, 5.0, 5.5, 9.0])))
    if draw(st.booleans()):
        case["resection"] = {"performed": draw(st.booleans())}
        if case["resection"]["performed"] and draw(st.booleans()):
            case["resection"]["margins_positive"] = draw(st.booleans())
    return case


@st.composite
def peritoneal_cases(draw: st.DrawFn) -> dict[str, Any]:
    block: dict[str, Any] = {}
    if draw(st.booleans()):
        block["pci"] = draw(st.integers(0, 39))
    for flag in ("nodes_positive", "extra_abdominal_metastases"):
        block[flag] = draw(st.one_of(st.none(), st.booleans()))
    return {"site": "peritoneum", "peritoneal": block}


def _section_completions(case: dict[str, Any], name: str) -> list[dict[str, Any]]:
    section = case.get(name)
    if section is None or not section.get("assessed", True):
        # Every category a section can reach is reached by one finding alone (highest category wins).
        return [{"findings": []}] + [{"findings": [f]} for f in VOCAB[name]]
    unknown = section.get("unknown", [])
    out = []
    for mask in itertools.product([False, True], repeat=len(unknown)):
        found = [u for u, present in zip(unknown, mask, strict=True) if present]
        out.append({**section, "findings": section.get("findings", []) + found, "unknown": []})
    return out


def completions(case: dict[str, Any], system: str) -> Iterator[dict[str, Any]]:
    """Every way the unknowns of ``case`` could turn out, as fully known cases."""
    if case["site"] == "peritoneum":
        block = case["peritoneal"]
        pcis = [block["pci"]] if "pci" in block else PCI_VALUES
        nodes = [block["nodes_positive"]] if block["nodes_positive"] is not None else [False, True]
        mets = (
            [block["extra_abdominal_metastases"]] if block["extra_abdominal_metastases"] is not None else [False, True]
        )
        for pci, n, m in itertools.product(pcis, nodes, mets):
            yield {
                "site": "peritoneum",
                "peritoneal": {"pci": pci, "nodes_positive": n, "extra_abdominal_metastases": m},
            }
        return
    per_section = [_section_completions(case, name) for name in VOCAB]
    clinical = case["basis"] == "clinical"
    tumor = case.get("tumor") or {}
    psums = [tumor["psum_mm"]] if tumor.get("psum_mm") is not None else (PSUM_VALUES if clinical else [None])
    # An unmeasured Fmax adds nothing: the fissure finding stands in for it (9th edition; Gill 2024).
    fmaxes = [tumor.get("fmax_mm")]
    resection = case.get("resection")
    if system == "brigham" and (resection is None or not resection["performed"] or "margins_positive" not in resection):
        resections: list[Any] = [{"performed": True, "margins_positive": b} for b in (False, True)]
    else:
        resections = [resection]
    for t, n, m, psum, fmax, res in itertools.product(*per_section, psums, fmaxes, resections):
        done = {
            "site": "pleura",
            "basis": case["basis"],
            "tumor": {**t, "psum_mm": psum, "fmax_mm": fmax},
            "nodes": n,
            "metastases": m,
        }
        if res is not None:
            done["resection"] = res
        yield done


def _count(case: dict[str, Any], system: str) -> int:
    return sum(1 for _ in itertools.islice(completions(case, system), 3001))


def _rank(system: str, stage_label: str) -> int:
    return mesostage.load_system(system).stages.index(stage_label)


def _result(case: dict[str, Any], system: str) -> mesostage.SystemResult:
    return stage_only(case, systems=[system]).results[0]


@SETTINGS
@given(case=st.one_of(pleural_cases(max_unknown=3), peritoneal_cases()), system=st.sampled_from(SYSTEM_IDS))
def test_range_is_exactly_the_stages_of_all_completions(case: dict[str, Any], system: str) -> None:
    assume(_count(case, system) <= 3000)
    r = _result(case, system)
    assume(r.applicable)
    stages = {_result(c, system).stage for c in completions(case, system)} - {None}
    if not stages:
        assert r.stage_range is None
        return
    ranked = sorted(stages, key=lambda s: _rank(system, s))
    assert r.stage_range == [ranked[0], ranked[-1]]
    if r.stage is not None:
        assert r.stage in stages


@SETTINGS
@given(case=pleural_cases(max_unknown=3), system=st.sampled_from(PLEURAL_SYSTEMS))
def test_unknowns_that_matter_are_exactly_those_that_can_change_the_stage(case: dict[str, Any], system: str) -> None:
    assume(all(case.get(s) is not None and case[s].get("assessed", True) for s in VOCAB))
    assume(_count(case, system) <= 600)
    r = _result(case, system)
    for name in VOCAB:
        for finding in case[name]["unknown"]:
            stages_by_value = []
            for present in (False, True):
                fixed = copy.deepcopy(case)
                fixed[name]["unknown"].remove(finding)
                if present:
                    fixed[name]["findings"].append(finding)
                stages_by_value.append(
                    {_key(c, name, finding): _result(c, system).stage for c in completions(fixed, system)}
                )
            # same completion of the others, different value of this finding: does the stage change?
            changes = any(stages_by_value[0][k] != stages_by_value[1][k] for k in stages_by_value[0])
            assert (f"{name}.{finding}" in r.unknowns_that_matter) == changes, (name, finding)


def _key(completion: dict[str, Any], name: str, finding: str) -> str:
    """A completion seen without the finding under test, to pair completions that differ only in it."""
    seen = copy.deepcopy(completion)
    seen[name]["findings"] = [f for f in seen[name]["findings"] if f != finding]
    return repr(sorted((k, repr(v)) for k, v in seen.items()))


@SETTINGS
@given(case=pleural_cases(), data=st.data())
def test_adding_a_present_finding_never_lowers_a_stage(case: dict[str, Any], data: st.DataObject) -> None:
    name = data.draw(
        st.sampled_from([n for n in VOCAB if case.get(n) is not None and case[n].get("assessed", True)] or ["-"])
    )
    assume(name != "-")
    section = case[name]
    absent = [f for f in VOCAB[name] if f not in section["findings"] and f not in section["unknown"]]
    assume(absent and not section.get("no_evidence"))
    added = copy.deepcopy(case)
    added[name]["findings"].append(data.draw(st.sampled_from(absent)))
    for system in PLEURAL_SYSTEMS:
        before, after = _result(case, system), _result(added, system)
        if before.stage and after.stage:
            assert _rank(system, after.stage) >= _rank(system, before.stage), system
        if before.stage_range and after.stage_range:
            assert _rank(system, after.stage_range[0]) >= _rank(system, before.stage_range[0]), system
            assert _rank(system, after.stage_range[1]) >= _rank(system, before.stage_range[1]), system


@SETTINGS
@given(case=pleural_cases(), data=st.data())
def test_resolving_an_unknown_stays_inside_the_range(case: dict[str, Any], data: st.DataObject) -> None:
    unknowns = [(n, f) for n in VOCAB if case.get(n) for f in case[n].get("unknown", [])]
    assume(unknowns)
    name, finding = data.draw(st.sampled_from(unknowns))
    resolved = copy.deepcopy(case)
    resolved[name]["unknown"].remove(finding)
    if data.draw(st.booleans()):
        resolved[name]["findings"].append(finding)
    for system in PLEURAL_SYSTEMS:
        before, after = _result(case, system), _result(resolved, system)
        assert before.stage_range is not None
        low, high = (_rank(system, s) for s in before.stage_range)
        if after.stage is not None:
            assert low <= _rank(system, after.stage) <= high, system
        assert after.stage_range is not None
        assert low <= _rank(system, after.stage_range[0]) <= _rank(system, after.stage_range[1]) <= high, system


@SETTINGS
@given(case=st.one_of(pleural_cases(), peritoneal_cases()), seed=st.randoms())
def test_deterministic_and_independent_of_list_order(case: dict[str, Any], seed: Any) -> None:
    first = mesostage.stage(case).model_dump_json()
    assert mesostage.stage(case).model_dump_json() == first
    shuffled = copy.deepcopy(case)
    for name in VOCAB:
        section = shuffled.get(name) or {}
        for key in ("findings", "unknown"):
            if key in section:
                seed.shuffle(section[key])
    assert mesostage.stage(shuffled).model_dump_json() == first
