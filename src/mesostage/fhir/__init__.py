"""HL7 FHIR mCODE (R4): a case and its staging as a Bundle, and a case back from such a Bundle.

Built with the ``fhir.resources`` R4B models (FHIR R4 and R4B share the Condition and Observation elements used
here). Supports, and does not replace, a specialist's judgement.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mesostage.fhir.export import bundle_dict, to_bundle
    from mesostage.fhir.importer import case_from_bundle, categories_from_bundle

__all__ = ["bundle_dict", "case_from_bundle", "categories_from_bundle", "to_bundle"]


def __getattr__(name: str) -> Any:
    # Loaded on first use: fhir.resources takes a while to import, and the command line should start fast.
    if name in ("bundle_dict", "to_bundle"):
        from mesostage.fhir import export

        return getattr(export, name)
    if name in ("case_from_bundle", "categories_from_bundle"):
        from mesostage.fhir import importer

        return getattr(importer, name)
    raise AttributeError(f"module 'mesostage.fhir' has no attribute {name!r}")
