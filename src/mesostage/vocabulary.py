"""The staging vocabulary: sites, histologies, bases, system ids and the finding names of each section.

One place that the case model (``case.py``) and the staging definitions (``staging/definitions.py``) both import, so
neither imports the other. ``stage_labels`` reads a system's stage labels straight from its data file, which is
all the case model needs to check a reported stage.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Literal, get_args

from mesostage.datafiles import load_toml

__all__ = [
    "BASES",
    "HISTOLOGIES",
    "METASTASIS_FINDINGS",
    "NODE_FINDINGS",
    "PCI_REGION_NAMES",
    "SITES",
    "SYSTEM_IDS",
    "TUMOR_FINDINGS",
    "TUMOR_TYPES",
    "Basis",
    "Histology",
    "Laterality",
    "MetastasisFinding",
    "NodeFinding",
    "Site",
    "SystemId",
    "TumorFinding",
    "TumorType",
    "stage_labels",
]

Site = Literal["pleura", "peritoneum", "pericardium", "tunica_vaginalis"]
Laterality = Literal["left", "right"]
Histology = Literal["epithelioid", "biphasic", "sarcomatoid", "other"]
#: WHO 2021 mesothelial tumour types. Only diffuse mesothelioma is staged by the systems here; the others are not.
TumorType = Literal["diffuse", "localized", "in_situ", "well_differentiated_papillary"]
Basis = Literal["clinical", "pathological", "post_therapy"]
SystemId = Literal["tnm8", "tnm9", "tnm7", "butchart", "brigham", "peritoneal_tnm"]

TumorFinding = Literal[
    "parietal_pleura",
    "visceral_pleura",
    "mediastinal_pleura",
    "diaphragmatic_pleura",
    "diaphragm_muscle",
    "lung_parenchyma",
    "fissure",
    "endothoracic_fascia",
    "mediastinal_fat",
    "chest_wall_solitary",
    "chest_wall_diffuse",
    "rib",
    "pericardium_nontransmural",
    "pericardium_through",
    "pericardial_effusion_malignant",
    "myocardium",
    "transdiaphragmatic",
    "contralateral_pleura_direct",
    "mediastinal_organs",
    "spine",
    "brachial_plexus",
]
NodeFinding = Literal[
    "ipsilateral_bronchopulmonary",
    "ipsilateral_hilar",
    "subcarinal",
    "ipsilateral_mediastinal",
    "ipsilateral_internal_mammary",
    "peridiaphragmatic",
    "pericardial_fat_pad",
    "intercostal",
    "contralateral_mediastinal",
    "contralateral_internal_mammary",
    "contralateral_hilar",
    "ipsilateral_supraclavicular",
    "contralateral_supraclavicular",
    "scalene",
]
MetastasisFinding = Literal[
    "liver",
    "bone",
    "brain",
    "adrenal",
    "distant_nodes",
    "lung_contralateral",
    "lung_ipsilateral_discontinuous",
    "pleura_contralateral_discontinuous",
    "peritoneum_discontinuous",
    "pericardial_effusion_discontinuous",
    "other_distant",
]

SITES: tuple[str, ...] = get_args(Site)
HISTOLOGIES: tuple[str, ...] = get_args(Histology)
TUMOR_TYPES: tuple[str, ...] = get_args(TumorType)
BASES: tuple[str, ...] = get_args(Basis)
SYSTEM_IDS: tuple[str, ...] = get_args(SystemId)
TUMOR_FINDINGS: tuple[str, ...] = get_args(TumorFinding)
NODE_FINDINGS: tuple[str, ...] = get_args(NodeFinding)
METASTASIS_FINDINGS: tuple[str, ...] = get_args(MetastasisFinding)

#: Region order of the Peritoneal Cancer Index (Jacquet & Sugarbaker 1996): 0 central ... 12 lower ileum.
PCI_REGION_NAMES: tuple[str, ...] = (
    "central",
    "right upper",
    "epigastrium",
    "left upper",
    "left flank",
    "left lower",
    "pelvis",
    "right lower",
    "right flank",
    "upper jejunum",
    "lower jejunum",
    "upper ileum",
    "lower ileum",
)


@cache
def stage_labels(system_id: str) -> tuple[str, ...]:
    """The stage labels of a system, lowest first, as its data file lists them (``staging/systems/<id>.toml``)."""
    raw = resources.files("mesostage.staging.systems").joinpath(f"{system_id}.toml").read_text(encoding="utf-8")
    return tuple(load_toml(raw)["stages"])
