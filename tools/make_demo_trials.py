"""Write the bundled FICTIONAL demo trials (src/mesostage/trials/data/demo_trials.json) in the API v2 layout.

Every trial here is made up: NCT ids in the unused NCT99xxxxxx range, "[FICTIONAL]" in every title, org study ids
starting MESOSTAGE-FICTIONAL-, sponsor "FICTIONAL demo sponsor", phone numbers in the 555-01xx range reserved for
fiction, e-mail at example.org. Site coordinates are those of real cities so that distances make sense; the
facilities are invented. The criteria are written in the styles real records use (bullets, numbered and nested
lists, "Key Inclusion Criteria", escaped brackets, >= signs, PDQ headings) and make up the evaluation set of
benchmarks/trials_eval.py.

Run: .venv/bin/python tools/make_demo_trials.py
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

OUT = Path(__file__).resolve().parents[1] / "src" / "mesostage" / "trials" / "data" / "demo_trials.json"

# name, status, city, state, zip, country, lat, lon
NY = ("Fictional Upper East Side Cancer Center", "New York", "New York", "10065", "United States", 40.7644, -73.9558)
BOS = ("Fictional Harbour Thoracic Institute", "Boston", "Massachusetts", "02115", "United States", 42.3370, -71.1060)
SF = (
    "Fictional Bayview Oncology Hospital",
    "San Francisco",
    "California",
    "94143",
    "United States",
    37.7631,
    -122.4586,
)
CHI = ("Fictional Lakeshore Cancer Institute", "Chicago", "Illinois", "60637", "United States", 41.7886, -87.6040)
BAL = ("Fictional Chesapeake Surgical Oncology", "Baltimore", "Maryland", "21287", "United States", 39.2970, -76.5929)
HOU = ("Fictional Gulf Coast Cancer Center", "Houston", "Texas", "77030", "United States", 29.7077, -95.3978)
SEA = ("Fictional Puget Sound Oncology", "Seattle", "Washington", "98109", "United States", 47.6275, -122.3306)
LDN = ("Fictional Thames Chest Hospital", "London", None, "SW3 6NP", "United Kingdom", 51.4893, -0.1700)
LEE = ("Fictional Aire Valley Cancer Centre", "Leeds", None, "LS9 7TF", "United Kingdom", 53.8070, -1.5200)
SYD = ("Fictional Harbourside Mesothelioma Unit", "Sydney", "New South Wales", "2050", "Australia", -33.8890, 151.1830)
TUR = ("Fictional Piedmont Pleural Centre", "Turin", None, "10126", "Italy", 45.0410, 7.6730)
AMS = ("Fictional Amstel Oncology Institute", "Amsterdam", None, "1066 CX", "Netherlands", 52.3440, 4.8490)

STD_IO_EXCLUSIONS = """* Active autoimmune disease that has required systemic treatment in the past 2 years (replacement therapy such as thyroxine or insulin is allowed)
* History of interstitial lung disease or non-infectious pneumonitis that required steroids
* Known active central nervous system metastases
* Pregnant or breastfeeding"""

TRIALS: list[dict[str, Any]] = [
    {
        "id": 1,
        "title": "First-line Nivolumab and Ipilimumab With or Without DEMO-101 in Unresectable Pleural Mesothelioma",
        "acronym": "DEMO-FIRST",
        "status": "RECRUITING",
        "phases": ["PHASE3"],
        "conditions": ["Malignant Pleural Mesothelioma"],
        "keywords": ["immunotherapy", "first-line"],
        "interventions": [("DRUG", "Nivolumab"), ("DRUG", "Ipilimumab"), ("DRUG", "DEMO-101")],
        "min_age": "18 Years",
        "criteria": """Inclusion Criteria:

* Histologically confirmed malignant pleural mesothelioma (any histologic subtype)
* Unresectable disease, not amenable to curative-intent surgery
* No prior systemic therapy for mesothelioma
* ECOG performance status of 0 or 1
* Measurable disease per modified RECIST 1.1 for mesothelioma
* Age >= 18 years

Exclusion Criteria:

* Prior treatment with an anti-PD-1, anti-PD-L1 or anti-CTLA-4 antibody
"""
        + STD_IO_EXCLUSIONS,
        "sites": [
            (NY, "RECRUITING", "Fictional Trial Nurse", "+1 212-555-0101"),
            (BOS, "RECRUITING", None, None),
            (LDN, "RECRUITING", None, None),
        ],
    },
    {
        "id": 2,
        "title": "DEMO-202 Versus Investigator's Choice Chemotherapy After Platinum-Pemetrexed in Pleural Mesothelioma",
        "status": "RECRUITING",
        "phases": ["PHASE2"],
        "conditions": ["Pleural Mesothelioma"],
        "keywords": ["second-line"],
        "interventions": [("DRUG", "DEMO-202"), ("DRUG", "Vinorelbine"), ("DRUG", "Gemcitabine")],
        "min_age": "18 Years",
        "criteria": """Key Inclusion Criteria:

1. Diagnosis of pleural mesothelioma confirmed by histology
2. Disease progression after at least one prior line of platinum-based chemotherapy (prior immunotherapy is allowed)
3. ECOG PS 0-2
4. At least one measurable lesion according to mRECIST 1.1

Key Exclusion Criteria:

1. More than 2 prior lines of systemic therapy for mesothelioma
2. Symptomatic or untreated brain metastases
3. Pregnant or lactating women""",
        "sites": [
            (LDN, "RECRUITING", "Fictional Research Sister", "+44 20 5550 0102"),
            (LEE, "RECRUITING", None, None),
            (TUR, "RECRUITING", None, None),
        ],
    },
    {
        "id": 3,
        "title": "DEMO-303 for Pleural Mesothelioma That Has Progressed on Immune Checkpoint Inhibitors",
        "status": "RECRUITING",
        "phases": ["PHASE2"],
        "conditions": ["Mesothelioma, Pleural"],
        "keywords": ["checkpoint inhibitor resistance"],
        "interventions": [("DRUG", "DEMO-303")],
        "min_age": "18 Years",
        "criteria": """Inclusion Criteria:

* Pathologically confirmed pleural mesothelioma
* Must have received prior anti-PD-1 or anti-PD-L1 therapy, alone or in combination, with disease progression on or after it
* ECOG performance status 0 to 1
* Measurable disease (mRECIST 1.1)
* Adequate organ function:
  * Absolute neutrophil count >= 1.5 x 10^9/L
  * Creatinine clearance >= 45 mL/min

Exclusion Criteria:

* Known active, untreated brain metastases
* Active autoimmune disease requiring systemic treatment within the past 2 years
* Solid organ transplant""",
        "sites": [
            (BOS, "RECRUITING", "Fictional Study Coordinator", "+1 617-555-0103"),
            (NY, "RECRUITING", None, None),
            (SYD, "RECRUITING", None, None),
        ],
    },
    {
        "id": 4,
        "title": "Neoadjuvant DEMO-404 Before Pleurectomy/Decortication in Resectable Pleural Mesothelioma",
        "status": "RECRUITING",
        "phases": ["PHASE2"],
        "conditions": ["Pleural Mesothelioma", "Resectable Mesothelioma"],
        "keywords": ["neoadjuvant", "surgery"],
        "interventions": [("DRUG", "DEMO-404"), ("PROCEDURE", "Extended pleurectomy/decortication")],
        "min_age": "18 Years",
        "max_age": "80 Years",
        "criteria": """Inclusion Criteria:

* Histologically confirmed epithelioid or biphasic pleural mesothelioma
* Clinical stage I to IIIA (AJCC 8th edition)
* Deemed a candidate for macroscopic complete resection by a thoracic surgeon
* Treatment-naive: no prior chemotherapy, immunotherapy or radiotherapy for mesothelioma
* ECOG performance status 0-1
* Age 18 to 80 years

Exclusion Criteria:

* Sarcomatoid histology
* Distant metastatic disease""",
        "sites": [
            (SF, "RECRUITING", "Fictional Surgical Research Nurse", "+1 415-555-0104"),
            (BAL, "RECRUITING", None, None),
            (AMS, "RECRUITING", None, None),
        ],
    },
    {
        "id": 5,
        "title": "DEMO-505 Plus Chemotherapy for Non-epithelioid Pleural Mesothelioma",
        "status": "RECRUITING",
        "phases": ["PHASE2"],
        "conditions": ["Sarcomatoid Mesothelioma", "Biphasic Mesothelioma", "Pleural Mesothelioma"],
        "keywords": ["non-epithelioid"],
        "interventions": [("DRUG", "DEMO-505"), ("DRUG", "Carboplatin"), ("DRUG", "Pemetrexed")],
        "min_age": "18 Years",
        "criteria": """Inclusion Criteria:

* Pleural mesothelioma of non-epithelioid histology (sarcomatoid or biphasic), confirmed by central review
* Previously untreated advanced disease not amenable to surgery
* ECOG performance status <= 2
* Measurable disease

Exclusion Criteria:

* Epithelioid histology
* Prior treatment with immune checkpoint inhibitors
* Known brain metastases""",
        "sites": [
            (LEE, "RECRUITING", "Fictional Trials Practitioner", "+44 113 555 0105"),
            (LDN, "RECRUITING", None, None),
            (HOU, "RECRUITING", None, None),
        ],
    },
    {
        "id": 6,
        "title": "DEMO-606 in Previously Treated Epithelioid Pleural Mesothelioma",
        "status": "NOT_YET_RECRUITING",
        "phases": ["PHASE1", "PHASE2"],
        "conditions": ["Epithelioid Mesothelioma"],
        "keywords": ["pleural"],
        "interventions": [("DRUG", "DEMO-606")],
        "min_age": "18 Years",
        "criteria": """Inclusion Criteria:

* Epithelioid malignant pleural mesothelioma
* Progression after 1 or 2 prior lines of systemic therapy, one of which must have contained platinum
* ECOG 0-1
* Measurable disease per mRECIST

Exclusion Criteria:

* Untreated CNS metastases
* Active autoimmune disease""",
        "sites": [
            (CHI, "NOT_YET_RECRUITING", "Fictional Research Office", "+1 773-555-0106"),
            (SEA, "NOT_YET_RECRUITING", None, None),
        ],
    },
    {
        "id": 7,
        "title": "Low-dose Chemotherapy Schedule for Older or Less Fit People With Pleural Mesothelioma",
        "status": "RECRUITING",
        "phases": ["PHASE2"],
        "conditions": ["Mesothelioma, Malignant", "Pleural Neoplasms"],
        "keywords": ["elderly", "pleural mesothelioma", "performance status 2"],
        "interventions": [("DRUG", "Carboplatin"), ("DRUG", "Pemetrexed")],
        "min_age": "70 Years",
        "criteria": """Inclusion Criteria:
- Adults aged 70 years or older
- Histologically or cytologically confirmed pleural mesothelioma
- No prior chemotherapy for mesothelioma
- WHO performance status 0, 1 or 2

Exclusion Criteria:
- Creatinine clearance < 30 mL/min
- Symptomatic brain metastases""",
        "sites": [
            (LDN, "RECRUITING", "Fictional Geriatric Oncology Team", "+44 20 5550 0107"),
            (LEE, "RECRUITING", None, None),
            (SYD, "RECRUITING", None, None),
        ],
    },
    {
        "id": 8,
        "title": "DEMO-808 Added to First-line Immunotherapy in Pleural Mesothelioma (Adults up to 75)",
        "status": "RECRUITING",
        "phases": ["PHASE2"],
        "conditions": ["Pleural Mesothelioma"],
        "keywords": ["first-line", "immunotherapy"],
        "interventions": [("DRUG", "DEMO-808"), ("DRUG", "Nivolumab"), ("DRUG", "Ipilimumab")],
        "min_age": "18 Years",
        "max_age": "75 Years",
        "criteria": """Inclusion Criteria:

* Malignant pleural mesothelioma, unresectable
* Patients must not have received prior systemic therapy
* ECOG performance status 0-1
* Measurable disease

Exclusion Criteria:

* Prior immunotherapy of any kind
"""
        + STD_IO_EXCLUSIONS,
        "sites": [
            (NY, "RECRUITING", "Fictional Immunotherapy Unit", "+1 212-555-0108"),
            (CHI, "RECRUITING", None, None),
            (TUR, "RECRUITING", None, None),
        ],
    },
    {
        "id": 9,
        "title": "Pleural Mesothelioma Maintenance Study (Status Not Verified)",
        "status": "UNKNOWN",
        "last_known": "RECRUITING",
        "verified": "2021-03",
        "phases": ["PHASE2"],
        "conditions": ["Pleural Mesothelioma"],
        "interventions": [("DRUG", "DEMO-909")],
        "min_age": "18 Years",
        "criteria": """Inclusion Criteria:

* Pleural mesothelioma with stable disease after first-line chemotherapy
* ECOG 0-1""",
        "sites": [(TUR, "RECRUITING", None, None)],
    },
    {
        "id": 10,
        "title": "Completed Study of DEMO-110 in Pleural Mesothelioma",
        "status": "COMPLETED",
        "phases": ["PHASE2"],
        "conditions": ["Pleural Mesothelioma"],
        "interventions": [("DRUG", "DEMO-110")],
        "min_age": "18 Years",
        "criteria": """Inclusion Criteria:

* Pleural mesothelioma
* ECOG 0-2""",
        "sites": [(HOU, "COMPLETED", None, None)],
    },
    {
        "id": 11,
        "title": "Pleural Mesothelioma Patient Registry and Biobank",
        "status": "RECRUITING",
        "type": "OBSERVATIONAL",
        "conditions": ["Pleural Mesothelioma"],
        "keywords": ["registry", "biobank"],
        "interventions": [("OTHER", "Blood and tissue collection")],
        "criteria": """Inclusion Criteria:

* Diagnosis of pleural mesothelioma, any stage, any treatment history
* Willing to give blood samples

Exclusion Criteria:

* Unable to give informed consent""",
        "sites": [
            (NY, "RECRUITING", "Fictional Registry Office", "+1 212-555-0111"),
            (BOS, "RECRUITING", None, None),
            (SF, "RECRUITING", None, None),
            (LDN, "RECRUITING", None, None),
            (SYD, "RECRUITING", None, None),
        ],
    },
    {
        "id": 12,
        "title": "Mesothelin-directed CAR T Cells (DEMO-CAR12) in Previously Treated Pleural Mesothelioma",
        "status": "RECRUITING",
        "phases": ["PHASE1"],
        "conditions": ["Pleural Mesothelioma"],
        "keywords": ["CAR T", "mesothelin"],
        "interventions": [("BIOLOGICAL", "DEMO-CAR12")],
        "min_age": "18 Years",
        "max_age": "70 Years",
        "criteria": """Inclusion Criteria:

1. Patients aged 18-70 years
2. Malignant pleural mesothelioma with mesothelin expression in >= 50% of tumour cells
3. Has received at least one prior line of systemic therapy
4. ECOG performance status 0 or 1
5. Measurable disease

Exclusion Criteria:

1. Active autoimmune disease
2. Prior organ transplant
3. Known brain metastases
4. Active infection requiring antibiotics""",
        "sites": [
            (SEA, "RECRUITING", "Fictional Cell Therapy Team", "+1 206-555-0112"),
            (SF, "RECRUITING", None, None),
        ],
    },
    {
        "id": 13,
        "title": "Observation Study of Tunica Vaginalis Mesothelioma",
        "status": "RECRUITING",
        "type": "OBSERVATIONAL",
        "sex": "MALE",
        "conditions": ["Mesothelioma of the Tunica Vaginalis Testis"],
        "interventions": [("OTHER", "Follow-up imaging")],
        "min_age": "18 Years",
        "criteria": """Inclusion Criteria:

* Men with mesothelioma of the tunica vaginalis""",
        "sites": [(AMS, "RECRUITING", None, None)],
    },
    {
        "id": 14,
        "title": "DEMO-1414 Versus Placebo After Progression on Chemotherapy in Pleural Mesothelioma",
        "status": "RECRUITING",
        "phases": ["PHASE3"],
        "conditions": ["Malignant Pleural Mesothelioma"],
        "keywords": ["second-line", "placebo"],
        "interventions": [("DRUG", "DEMO-1414"), ("DRUG", "Placebo")],
        "min_age": "18 Years",
        "criteria": """Inclusion Criteria:

* Histologically confirmed malignant pleural mesothelioma
* Progressed following first-line platinum/pemetrexed chemotherapy, with or without immunotherapy
* ECOG performance status of 0 or 1
* Measurable disease

Exclusion Criteria:

* Known brain metastases
* More than one prior line of systemic therapy""",
        "sites": [
            (HOU, "RECRUITING", "Fictional Phase 3 Desk", "+1 713-555-0114"),
            (NY, "RECRUITING", None, None),
            (LEE, "RECRUITING", None, None),
            (SYD, "RECRUITING", None, None),
        ],
    },
    {
        "id": 15,
        "title": "Withdrawn Study of DEMO-1515 in Pleural Mesothelioma",
        "status": "WITHDRAWN",
        "why_stopped": "Sponsor decision before the first person was enrolled",
        "phases": ["PHASE1"],
        "conditions": ["Pleural Mesothelioma"],
        "interventions": [("DRUG", "DEMO-1515")],
        "min_age": "18 Years",
        "criteria": """Inclusion Criteria:

* Pleural mesothelioma""",
        "sites": [],
    },
    {
        "id": 16,
        "title": "Indwelling Pleural Catheter With or Without Talc for Breathlessness in Pleural Mesothelioma",
        "status": "RECRUITING",
        "phases": ["NA"],
        "conditions": ["Pleural Mesothelioma", "Pleural Effusion, Malignant"],
        "keywords": ["palliative care", "breathlessness"],
        "interventions": [("DEVICE", "Indwelling pleural catheter"), ("DRUG", "Talc")],
        "min_age": "18 Years",
        "criteria": """Inclusion Criteria:

* Pleural mesothelioma with a symptomatic pleural effusion
* ECOG performance status 0-3
* Expected survival of at least 2 months

Exclusion Criteria:

* Previous pleurodesis on the same side
* Pregnancy""",
        "sites": [
            (LEE, "RECRUITING", "Fictional Pleural Service", "+44 113 555 0116"),
            (LDN, "RECRUITING", None, None),
            (BOS, "RECRUITING", None, None),
            (SYD, "RECRUITING", None, None),
        ],
    },
    {
        "id": 17,
        "title": "DEMO-1717 in Immunotherapy-naive Pleural Mesothelioma After Chemotherapy",
        "status": "RECRUITING",
        "phases": ["PHASE2"],
        "conditions": ["Pleural Mesothelioma"],
        "keywords": ["second-line", "immunotherapy-naive"],
        "interventions": [("DRUG", "DEMO-1717"), ("DRUG", "Pembrolizumab")],
        "min_age": "18 Years",
        "criteria": """Inclusion Criteria:

* Pleural mesothelioma, confirmed by histology
* At least one prior line of platinum-based chemotherapy
* Karnofsky performance status >= 70%
* Measurable disease

Exclusion Criteria:

* Prior exposure to immune checkpoint inhibitors (anti-PD-1, anti-PD-L1, anti-CTLA-4)
* Active autoimmune disease requiring systemic treatment in the past 2 years
* Known active CNS metastases""",
        "sites": [
            (TUR, "RECRUITING", "Fictional Oncology Trials Office", "+39 011 555 0117"),
            (AMS, "RECRUITING", None, None),
            (LDN, "RECRUITING", None, None),
        ],
    },
    {
        "id": 18,
        "title": "Hypofractionated Radiotherapy Added to Systemic Therapy in Pleural Mesothelioma",
        "status": "RECRUITING",
        "phases": ["PHASE2"],
        "conditions": ["Pleural Mesothelioma"],
        "keywords": ["radiotherapy"],
        "interventions": [("RADIATION", "Hypofractionated radiotherapy")],
        # No age limits given: the fields are absent in the record (open-ended).
        "criteria": """Inclusion Criteria:

* Pleural mesothelioma that cannot be removed by surgery
* Currently receiving or planned to receive systemic therapy:
  * first-line or second-line treatment is allowed
* ECOG PS 0 to 2

Exclusion Criteria:

* Prior radiotherapy to the chest \\[including prophylactic tract irradiation\\] that overlaps the planned field
* Pregnant or breast-feeding""",
        # Sites as some records give them: no facility, no status, no geoPoint.
        "sites": [
            ("nofacility", None, "Boston", "Massachusetts", "02115", "United States"),
            ("nofacility", None, "Turin", None, None, "Italy"),
        ],
        "central": ("Fictional Radiation Oncology Trials", "+1 617-555-0118"),
    },
    {
        "id": 19,
        "title": "Intraoperative HIPEC With Cytoreductive Surgery for Peritoneal Mesothelioma",
        "status": "RECRUITING",
        "phases": ["PHASE2"],
        "conditions": ["Peritoneal Mesothelioma"],
        "keywords": ["HIPEC", "cytoreductive surgery"],
        "interventions": [("PROCEDURE", "Cytoreductive surgery"), ("DRUG", "Cisplatin (intraperitoneal)")],
        "min_age": "18 Years",
        "max_age": "75 Years",
        "criteria": """Inclusion Criteria:

* Histologically confirmed diffuse malignant peritoneal mesothelioma
* Candidate for complete cytoreductive surgery as judged by the surgical team
* ECOG performance status 0-1
* Age 18-75 years

Exclusion Criteria:

* Extra-abdominal metastases
* Sarcomatoid histology""",
        "sites": [
            (BAL, "RECRUITING", "Fictional Peritoneal Surface Program", "+1 410-555-0119"),
            (HOU, "RECRUITING", None, None),
            (LDN, "RECRUITING", None, None),
        ],
    },
    {
        "id": 20,
        "title": "First-line Chemo-immunotherapy for Unresectable Peritoneal Mesothelioma",
        "status": "RECRUITING",
        "phases": ["PHASE2"],
        "conditions": ["Malignant Peritoneal Mesothelioma"],
        "keywords": ["first-line"],
        "interventions": [("DRUG", "Atezolizumab"), ("DRUG", "Carboplatin"), ("DRUG", "Pemetrexed")],
        "min_age": "18 Years",
        "criteria": """Inclusion Criteria:

* Peritoneal mesothelioma not amenable to complete cytoreductive surgery
* No prior systemic treatment for mesothelioma
* ECOG 0-1
* Measurable or evaluable disease

Exclusion Criteria:

* Prior treatment with PD-1 or PD-L1 inhibitors
* Active autoimmune disease requiring treatment""",
        "sites": [
            (CHI, "RECRUITING", "Fictional GI Oncology Trials", "+1 773-555-0120"),
            (BAL, "RECRUITING", None, None),
            (NY, "RECRUITING", None, None),
        ],
    },
    {
        "id": 21,
        "title": "DEMO-2121 in Peritoneal Mesothelioma After One or More Prior Therapies",
        "status": "NOT_YET_RECRUITING",
        "phases": ["PHASE2"],
        "conditions": ["Peritoneal Mesothelioma"],
        "interventions": [("DRUG", "DEMO-2121")],
        "min_age": "18 Years",
        "criteria": """Inclusion Criteria:

* Diffuse peritoneal mesothelioma
* Must have received at least 1 prior systemic regimen
* ECOG performance status of 0, 1 or 2
* Measurable disease per RECIST 1.1

Exclusion Criteria:

* Bowel obstruction within the past 3 months""",
        "sites": [
            (HOU, "NOT_YET_RECRUITING", "Fictional Early Phase Unit", "+1 713-555-0121"),
            (CHI, "NOT_YET_RECRUITING", None, None),
        ],
    },
    {
        "id": 22,
        "title": "Terminated Study of DEMO-2222 in Peritoneal Mesothelioma",
        "status": "TERMINATED",
        "why_stopped": "Slow accrual",
        "phases": ["PHASE2"],
        "conditions": ["Peritoneal Mesothelioma"],
        "interventions": [("DRUG", "DEMO-2222")],
        "min_age": "18 Years",
        "criteria": "Inclusion Criteria:\n\n* Peritoneal mesothelioma",
        "sites": [(BAL, "COMPLETED", None, None)],
    },
    {
        "id": 23,
        "title": "DEMO-2323 for Previously Treated Mesothelioma of the Pleura or Peritoneum",
        "status": "RECRUITING",
        "phases": ["PHASE2"],
        "conditions": ["Mesothelioma"],
        "keywords": ["pleural", "peritoneal", "previously treated"],
        "interventions": [("DRUG", "DEMO-2323")],
        "min_age": "18 Years",
        "criteria": """Inclusion Criteria:

* Malignant mesothelioma (pleural or peritoneal), histologically confirmed
* Progressed on or after platinum-based chemotherapy; prior immunotherapy is permitted
* No more than 3 prior lines of systemic therapy
* ECOG performance status 0-1
* Measurable disease

Exclusion Criteria:

* Untreated or symptomatic brain metastases (treated, stable brain metastases are allowed)
* Pregnant or breastfeeding""",
        "sites": [
            (NY, "RECRUITING", "Fictional Mesothelioma Program", "+1 212-555-0123"),
            (CHI, "RECRUITING", None, None),
            (LDN, "RECRUITING", None, None),
            (SYD, "RECRUITING", None, None),
        ],
    },
    {
        "id": 24,
        "title": "DEMO-2424 Plus Immunotherapy as First Treatment for Mesothelioma (Epithelioid or Biphasic)",
        "status": "RECRUITING",
        "phases": ["PHASE2"],
        "conditions": ["Malignant Mesothelioma"],
        "keywords": ["first-line"],
        "interventions": [("DRUG", "DEMO-2424"), ("DRUG", "Durvalumab")],
        "min_age": "18 Years",
        "criteria": """Inclusion Criteria:

* Mesothelioma of epithelioid or biphasic histology (sarcomatoid excluded), any primary site
* Unresectable or advanced disease, with no prior systemic treatment
* ECOG 0-1
* Measurable disease

Exclusion Criteria:

* Any prior immunotherapy
* Active or prior documented autoimmune disease within the past 2 years
* Known brain metastases""",
        "sites": [
            (SEA, "RECRUITING", "Fictional Thoracic Trials", "+1 206-555-0124"),
            (AMS, "RECRUITING", None, None),
            (BAL, "RECRUITING", None, None),
        ],
    },
    {
        "id": 25,
        "title": "DEMO-2525 in BAP1-deficient Mesothelioma",
        "status": "RECRUITING",
        "phases": ["PHASE2"],
        "conditions": ["Mesothelioma", "BAP1 Loss"],
        "keywords": ["BAP1", "biomarker"],
        "interventions": [("DRUG", "DEMO-2525")],
        "min_age": "18 Years",
        "criteria": """Inclusion Criteria:

* Mesothelioma (any site) with loss of BAP1 nuclear staining by immunohistochemistry
* At least one prior line of systemic therapy
* ECOG 0 to 2
* Measurable disease

Exclusion Criteria:

* Known active brain metastases""",
        "sites": [
            (SF, "RECRUITING", "Fictional Precision Oncology Clinic", "+1 415-555-0125"),
            (NY, "RECRUITING", None, None),
        ],
    },
    {
        "id": 26,
        "title": "Extension Study for People Already Taking DEMO-2626",
        "status": "ENROLLING_BY_INVITATION",
        "phases": ["PHASE3"],
        "conditions": ["Mesothelioma"],
        "interventions": [("DRUG", "DEMO-2626")],
        "min_age": "18 Years",
        "criteria": "Inclusion Criteria:\n\n* Currently enrolled in a parent DEMO-2626 mesothelioma study",
        "sites": [(NY, "ENROLLING_BY_INVITATION", None, None)],
    },
    {
        "id": 27,
        "title": "Exercise and Nutrition Support During Treatment for Mesothelioma",
        "status": "RECRUITING",
        "phases": ["NA"],
        "conditions": ["Mesothelioma"],
        "keywords": ["supportive care", "quality of life"],
        "interventions": [("BEHAVIORAL", "Exercise and nutrition programme")],
        "min_age": "18 Years",
        "criteria": """DISEASE CHARACTERISTICS:
Diagnosis of mesothelioma of any site, receiving or planned for anticancer treatment

PATIENT CHARACTERISTICS:
Performance status ECOG 0-2
Able to walk 50 metres

PRIOR CONCURRENT THERAPY:
Any number of prior treatments allowed""",
        "sites": [
            (LEE, "RECRUITING", "Fictional Allied Health Research", "+44 113 555 0127"),
            (SYD, "RECRUITING", None, None),
            (CHI, "RECRUITING", None, None),
        ],
    },
    {
        "id": 28,
        "title": "DEMO-2828, a Mesothelin-targeted Antibody-drug Conjugate, in Advanced Solid Tumours",
        "status": "RECRUITING",
        "phases": ["PHASE1"],
        "conditions": ["Advanced Solid Tumor", "Ovarian Cancer", "Pancreatic Cancer"],
        "keywords": ["mesothelin", "antibody-drug conjugate"],
        "interventions": [("DRUG", "DEMO-2828")],
        "min_age": "18 Years",
        "criteria": """Inclusion Criteria:

* Advanced solid tumour known to express mesothelin: ovarian cancer, pancreatic cancer or mesothelioma
* Has received at least 1 prior line of standard therapy, or standard therapy does not exist
* ECOG 0-1
* Measurable disease per RECIST 1.1

Exclusion Criteria:

* Active brain metastases
* Peripheral neuropathy grade 2 or higher""",
        "sites": [
            (HOU, "RECRUITING", "Fictional Phase 1 Unit", "+1 713-555-0128"),
            (BOS, "RECRUITING", None, None),
            (AMS, "RECRUITING", None, None),
        ],
    },
    {
        "id": 29,
        "title": "DEMO-2929 Bispecific Antibody in Solid Tumours After Checkpoint Inhibitors",
        "status": "NOT_YET_RECRUITING",
        "phases": ["PHASE1"],
        "conditions": ["Solid Tumor, Adult"],
        "keywords": ["bispecific"],
        "interventions": [("DRUG", "DEMO-2929")],
        "min_age": "18 Years",
        "criteria": """Inclusion Criteria:

* Advanced solid tumours including non-small cell lung cancer, melanoma and mesothelioma
* Must have received prior anti-PD-1 or anti-PD-L1 therapy
* ECOG performance status 0-1

Exclusion Criteria:

* Prior severe immune-related adverse event leading to permanent discontinuation of immunotherapy
* Symptomatic CNS metastases""",
        "sites": [
            (NY, "NOT_YET_RECRUITING", "Fictional Early Drug Development", "+1 212-555-0129"),
            (SEA, "NOT_YET_RECRUITING", None, None),
        ],
    },
    {
        "id": 30,
        "title": "Second-line Immunotherapy Combination in Non-small Cell Lung Cancer",
        "status": "RECRUITING",
        "phases": ["PHASE3"],
        "conditions": ["Non-small Cell Lung Cancer"],
        "interventions": [("DRUG", "DEMO-3030")],
        "min_age": "18 Years",
        "criteria": """Inclusion Criteria:

* Stage IV non-small cell lung cancer
* Progression after platinum-based chemotherapy
* ECOG 0-1

Exclusion Criteria:

* Malignant pleural effusion requiring drainage""",
        "sites": [(NY, "RECRUITING", None, None), (LDN, "RECRUITING", None, None)],
    },
    {
        "id": 31,
        "title": "Low-dose CT Screening for Lung Cancer in Asbestos-exposed Workers",
        "status": "RECRUITING",
        "type": "OBSERVATIONAL",
        "conditions": ["Asbestosis", "Lung Cancer Screening"],
        "keywords": ["asbestos"],
        "interventions": [("OTHER", "Low-dose CT")],
        "min_age": "40 Years",
        "max_age": "80 Years",
        "criteria": """Inclusion Criteria:

* Documented occupational asbestos exposure
* Age 40 to 80 years

Exclusion Criteria:

* Known diagnosis of lung cancer or mesothelioma""",
        "sites": [(LEE, "RECRUITING", None, None), (TUR, "RECRUITING", None, None)],
    },
    {
        "id": 32,
        "title": "Adjuvant Endocrine Therapy Duration in Early Breast Cancer",
        "status": "RECRUITING",
        "phases": ["PHASE3"],
        "sex": "FEMALE",
        "conditions": ["Breast Cancer"],
        "interventions": [("DRUG", "Letrozole")],
        "min_age": "18 Years",
        "criteria": "Inclusion Criteria:\n\n* Postmenopausal women with resected hormone receptor positive breast cancer",
        "sites": [(BOS, "RECRUITING", None, None)],
    },
    {
        "id": 33,
        "title": "Outpatient Talc Pleurodesis for Malignant Pleural Effusion",
        "status": "RECRUITING",
        "phases": ["NA"],
        "conditions": ["Malignant Pleural Effusion"],
        "keywords": ["pleurodesis"],
        "interventions": [("DRUG", "Talc poudrage")],
        "min_age": "18 Years",
        "criteria": """Inclusion Criteria:

* Symptomatic malignant pleural effusion from any cancer, including mesothelioma
* Expected to live at least 3 months

Exclusion Criteria:

* Trapped lung on chest imaging""",
        "sites": [
            (LDN, "RECRUITING", "Fictional Pleural Procedures Unit", "+44 20 5550 0133"),
            (LEE, "RECRUITING", None, None),
            (BOS, "RECRUITING", None, None),
        ],
    },
    {
        "id": 34,
        "title": "DEMO-3434 for Stage III or IV Pleural Mesothelioma Not Suitable for Surgery",
        "status": "RECRUITING",
        "phases": ["PHASE2"],
        "conditions": ["Pleural Mesothelioma"],
        "keywords": ["advanced", "first-line"],
        "interventions": [("DRUG", "DEMO-3434"), ("DRUG", "Cisplatin"), ("DRUG", "Pemetrexed")],
        "min_age": "18 Years",
        "criteria": """Inclusion Criteria:

* Pleural mesothelioma, stage III or IV (TNM 8th edition), not suitable for radical surgery
* Chemotherapy-naive
* ECOG performance status 0-1

Exclusion Criteria:

* Hearing loss that would make cisplatin unsafe
* Peripheral neuropathy of grade 2 or more""",
        "sites": [
            (AMS, "RECRUITING", "Fictional Chest Oncology Trials", "+31 20 555 0134"),
            (TUR, "RECRUITING", None, None),
            (HOU, "RECRUITING", None, None),
        ],
    },
    {
        "id": 35,
        "title": "DEMO-3535 Switch Maintenance After First-line Chemotherapy in Pleural Mesothelioma",
        "status": "RECRUITING",
        "phases": ["PHASE2"],
        "conditions": ["Pleural Mesothelioma"],
        "keywords": ["maintenance"],
        "interventions": [("DRUG", "DEMO-3535")],
        "min_age": "18 Years",
        "criteria": """Inclusion Criteria:

* Pleural mesothelioma without progression after 4 to 6 cycles of first-line platinum-pemetrexed chemotherapy
* No more than one prior line of systemic therapy
* ECOG 0-1

Exclusion Criteria:

* Prior immune checkpoint inhibitor therapy""",
        "sites": [
            (SYD, "RECRUITING", "Fictional Maintenance Trial Nurse", "+61 2 5550 0135"),
            (LEE, "RECRUITING", None, None),
        ],
    },
]

_MESH = {
    "mesothelioma": [("D000086002", "Mesothelioma, Malignant")],
    "pleural": [("D000086002", "Mesothelioma, Malignant"), ("D000010997", "Pleural Neoplasms")],
    "peritoneal": [("D000086002", "Mesothelioma, Malignant"), ("D000010534", "Peritoneal Neoplasms")],
}


def _std_ages(min_age: str | None, max_age: str | None) -> list[str]:
    low = int(min_age.split()[0]) if min_age else 0
    high = int(max_age.split()[0]) if max_age else 200
    groups = []
    if low < 18:
        groups.append("CHILD")
    if low <= 64 and high >= 18:
        groups.append("ADULT")
    if high >= 65:
        groups.append("OLDER_ADULT")
    return groups


def _location(spec: tuple[Any, ...]) -> dict[str, Any]:
    if spec[0] == "nofacility":
        _, _, city, state, zip_code, country = spec
        loc: dict[str, Any] = {"city": city}
        if state:
            loc["state"] = state
        if zip_code:
            loc["zip"] = zip_code
        loc["country"] = country
        return loc
    (facility, city, state, zip_code, country, lat, lon), status, contact, phone = spec
    loc = {"facility": facility, "status": status, "city": city}
    if state:
        loc["state"] = state
    loc["zip"] = zip_code
    loc["country"] = country
    if contact:
        loc["contacts"] = [{"name": contact, "role": "CONTACT", "phone": phone, "email": "trials@example.org"}]
    loc["geoPoint"] = {"lat": lat, "lon": lon}
    return loc


def study(t: dict[str, Any]) -> dict[str, Any]:
    n = t["id"]
    nct = f"NCT99{n:06d}"
    title = f"[FICTIONAL] {t['title']}"
    study_type = t.get("type", "INTERVENTIONAL")
    status: dict[str, Any] = {
        "statusVerifiedDate": t.get("verified", "2026-10"),
        "overallStatus": t["status"],
    }
    if "last_known" in t:
        status["lastKnownStatus"] = t["last_known"]
    if "why_stopped" in t:
        status["whyStopped"] = t["why_stopped"]
    status.update(
        {
            "expandedAccessInfo": {"hasExpandedAccess": False},
            "startDateStruct": {
                "date": "2026-01-15",
                "type": "ACTUAL" if t["status"] != "NOT_YET_RECRUITING" else "ESTIMATED",
            },
            "primaryCompletionDateStruct": {"date": "2029-06-30", "type": "ESTIMATED"},
            "completionDateStruct": {"date": "2030-06-30", "type": "ESTIMATED"},
            "studyFirstSubmitDate": "2025-11-03",
            "studyFirstSubmitQcDate": "2025-11-03",
            "studyFirstPostDateStruct": {"date": "2025-11-10", "type": "ACTUAL"},
            "lastUpdateSubmitDate": "2026-10-20",
            "lastUpdatePostDateStruct": {"date": "2026-10-22", "type": "ACTUAL"},
        }
    )
    design: dict[str, Any] = {"studyType": study_type}
    if study_type == "INTERVENTIONAL":
        design["phases"] = t["phases"]
        design["designInfo"] = {
            "allocation": "RANDOMIZED" if len(t["interventions"]) > 1 else "NA",
            "interventionModel": "PARALLEL" if len(t["interventions"]) > 1 else "SINGLE_GROUP",
            "primaryPurpose": "SUPPORTIVE_CARE" if t["phases"] == ["NA"] else "TREATMENT",
            "maskingInfo": {"masking": "NONE"},
        }
    else:
        design["patientRegistry"] = False
        design["designInfo"] = {"observationalModel": "COHORT", "timePerspective": "PROSPECTIVE"}
    design["enrollmentInfo"] = {"count": 40 + 7 * n, "type": "ESTIMATED"}
    arms = [
        {
            "label": "Study arm",
            "type": "EXPERIMENTAL" if study_type == "INTERVENTIONAL" else None,
            "description": "FICTIONAL arm of a made-up demo study.",
            "interventionNames": [f"{kind.title()}: {name}" for kind, name in t["interventions"]],
        }
    ]
    if arms[0]["type"] is None:
        del arms[0]["type"]
    eligibility: dict[str, Any] = {
        "eligibilityCriteria": t["criteria"],
        "healthyVolunteers": False,
        "sex": t.get("sex", "ALL"),
    }
    if t.get("min_age"):
        eligibility["minimumAge"] = t["min_age"]
    if t.get("max_age"):
        eligibility["maximumAge"] = t["max_age"]
    eligibility["stdAges"] = _std_ages(t.get("min_age"), t.get("max_age"))
    central_name, central_phone = t.get("central", ("Fictional Central Trials Desk", f"+1 555-01{n:02d}"))
    contacts: dict[str, Any] = {
        "centralContacts": [
            {"name": central_name, "role": "CONTACT", "phone": central_phone, "email": f"demo-trial-{n}@example.org"}
        ],
        "overallOfficials": [
            {
                "name": "Fictional Principal Investigator",
                "affiliation": "FICTIONAL demo sponsor",
                "role": "PRINCIPAL_INVESTIGATOR",
            }
        ],
    }
    locations = [_location(s) for s in t["sites"]]
    if locations:
        contacts["locations"] = locations
    cond_text = " ".join(t["conditions"] + t.get("keywords", [])).lower()
    if "peritone" in cond_text:
        mesh = _MESH["peritoneal"]
    elif "pleura" in cond_text:
        mesh = _MESH["pleural"]
    elif "mesothelioma" in cond_text:
        mesh = _MESH["mesothelioma"]
    else:
        mesh = []
    proto: dict[str, Any] = {
        "identificationModule": {
            "nctId": nct,
            "orgStudyIdInfo": {"id": f"MESOSTAGE-FICTIONAL-{n:03d}"},
            "organization": {"fullName": "FICTIONAL demo sponsor", "class": "OTHER"},
            "briefTitle": title,
            "officialTitle": f"[FICTIONAL] A Made-up Study for the mesostage Demo: {t['title']}",
        },
        "statusModule": status,
        "sponsorCollaboratorsModule": {
            "responsibleParty": {"type": "SPONSOR"},
            "leadSponsor": {"name": "FICTIONAL demo sponsor", "class": "OTHER"},
        },
        "oversightModule": {"oversightHasDmc": study_type == "INTERVENTIONAL"},
        "descriptionModule": {
            "briefSummary": "FICTIONAL: this study does not exist. It was written for the mesostage demo and "
            "evaluation set to show how trial matching explains each criterion."
        },
        "conditionsModule": {
            "conditions": t["conditions"],
            **({"keywords": t["keywords"]} if t.get("keywords") else {}),
        },
        "designModule": design,
        "armsInterventionsModule": {
            "armGroups": arms,
            "interventions": [
                {"type": kind, "name": name, "armGroupLabels": ["Study arm"]} for kind, name in t["interventions"]
            ],
        },
        "outcomesModule": {"primaryOutcomes": [{"measure": "FICTIONAL outcome", "timeFrame": "12 months"}]},
        "eligibilityModule": eligibility,
        "contactsLocationsModule": contacts,
    }
    if t.get("acronym"):
        proto["identificationModule"]["acronym"] = t["acronym"]
    derived: dict[str, Any] = {"miscInfoModule": {"versionHolder": "2026-10-22"}}
    if mesh:
        derived["conditionBrowseModule"] = {
            "meshes": [{"id": i, "term": term} for i, term in mesh[:1]],
            "ancestors": [{"id": i, "term": term} for i, term in mesh[1:]],
        }
    return {"protocolSection": proto, "derivedSection": derived, "hasResults": False}


def main() -> None:
    studies = [study(t) for t in TRIALS]
    OUT.write_text(
        json.dumps({"studies": studies, "totalCount": len(studies)}, indent=1, ensure_ascii=False) + "\n",
        encoding="utf-8",
    )
    print(f"wrote {len(studies)} FICTIONAL studies to {OUT}")


if __name__ == "__main__":
    main()
