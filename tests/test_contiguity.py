"""Contiguity pitfalls (staging.md §6): the same organ is T4 by direct spread and M1 when discontinuous."""

from __future__ import annotations

import pytest

import mesostage
from tests.factories import ALL_SURFACES, pleural_case


def _tnm8(case: dict[str, object]) -> mesostage.SystemResult:
    return mesostage.stage(case, systems=["tnm8"]).results[0]


def test_contralateral_pleura_direct_is_t4_not_m1() -> None:
    r = _tnm8(pleural_case([*ALL_SURFACES, "contralateral_pleura_direct"]))
    assert (r.t, r.m, r.stage) == ("T4", "M0", "IIIB")


def test_contralateral_pleura_discontinuous_is_m1() -> None:
    r = _tnm8(pleural_case(ALL_SURFACES, [], ["pleura_contralateral_discontinuous"]))
    assert (r.t, r.m, r.stage) == ("T1", "M1", "IV")


def test_transdiaphragmatic_is_t4_but_discontinuous_peritoneum_is_m1() -> None:
    direct = _tnm8(pleural_case([*ALL_SURFACES, "transdiaphragmatic"]))
    assert (direct.t, direct.m, direct.stage) == ("T4", "M0", "IIIB")
    distant = _tnm8(pleural_case(ALL_SURFACES, [], ["peritoneum_discontinuous"]))
    assert (distant.t, distant.m, distant.stage) == ("T1", "M1", "IV")


def test_pericardial_effusion_direct_is_t4_discontinuous_is_m1() -> None:
    direct = _tnm8(pleural_case([*ALL_SURFACES, "pericardial_effusion_malignant"]))
    assert (direct.t, direct.m) == ("T4", "M0")
    distant = _tnm8(pleural_case(ALL_SURFACES, [], ["pericardial_effusion_discontinuous"]))
    assert (distant.t, distant.m) == ("T1", "M1")


@pytest.mark.parametrize(
    ("finding", "t", "stage"),
    [
        ("diaphragmatic_pleura", "T1", "IA"),  # the pleura over the diaphragm
        ("diaphragm_muscle", "T2", "IB"),  # into the muscle
        ("transdiaphragmatic", "T4", "IIIB"),  # through to the peritoneum
    ],
)
def test_diaphragm_depth(finding: str, t: str, stage: str) -> None:
    r = _tnm8(pleural_case(["parietal_pleura", finding]))
    assert (r.t, r.m, r.stage) == (t, "M0", stage)


def test_diaphragm_involvement_is_never_metastasis() -> None:
    """The case that shaped the product: disease on the diaphragm staged IV. As diaphragm findings it is not M1."""
    r = _tnm8(pleural_case([*ALL_SURFACES, "diaphragm_muscle"]))
    assert (r.t, r.n, r.m, r.stage) == ("T2", "N0", "M0", "IB")


def test_rib_is_t4() -> None:
    r = _tnm8(pleural_case(["parietal_pleura", "rib"]))
    assert (r.t, r.stage) == ("T4", "IIIB")
    nine = mesostage.stage(pleural_case(["parietal_pleura", "rib"], basis="clinical"), systems=["tnm9"]).results[0]
    assert (nine.t, nine.stage) == ("T4", "IIIB")  # cT4 whatever the Psum, even unmeasured


def test_chest_wall_solitary_t3_diffuse_t4() -> None:
    assert _tnm8(pleural_case([*ALL_SURFACES, "chest_wall_solitary"])).t == "T3"
    assert _tnm8(pleural_case([*ALL_SURFACES, "chest_wall_diffuse"])).t == "T4"


def test_malignant_pleural_effusion_alone_does_not_change_m() -> None:
    without = _tnm8(pleural_case(["parietal_pleura"]))
    result = mesostage.stage(pleural_case(["parietal_pleura"], pleural_effusion_malignant=True))
    with_effusion = result.result("tnm8")
    assert (with_effusion.t, with_effusion.n, with_effusion.m, with_effusion.stage) == ("T1", "N0", "M0", "IA")
    assert (without.stage, with_effusion.stage_range) == ("IA", ["IA", "IA"])
    assert "pleural_effusion_not_m1" in {n.code for n in result.review}


def test_lung_direct_extension_t2_discontinuous_m1() -> None:
    assert _tnm8(pleural_case([*ALL_SURFACES, "lung_parenchyma"])).t == "T2"
    assert _tnm8(pleural_case(ALL_SURFACES, [], ["lung_ipsilateral_discontinuous"])).m == "M1"


def test_pericardium_depth() -> None:
    assert _tnm8(pleural_case([*ALL_SURFACES, "pericardium_nontransmural"])).t == "T3"
    assert _tnm8(pleural_case([*ALL_SURFACES, "pericardium_through"])).t == "T4"
    assert _tnm8(pleural_case([*ALL_SURFACES, "myocardium"])).t == "T4"
