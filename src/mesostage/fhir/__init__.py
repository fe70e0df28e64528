"""HL7 FHIR mCODE (R4): a case and its staging as a Bundle, and a case back from such a Bundle.

Built with the ``fhir.resources`` R4B models (FHIR R4 and R4B share the Condition and Observation elements used
here). Supports, and does not replace, a specialist's judgement.
"""

from __future__ import annotations

from mesostage.fhir.export import bundle_dict, to_bundle
from mesostage.fhir.importer import case_from_bundle, categories_from_bundle

__all__ = ["bundle_dict", "case_from_bundle", "categories_from_bundle", "to_bundle"]
