"""``POST /api/v1/extract``: report text in, a draft case with the evidence for every answer out (issue 14).

The body is ``{"text": "...", "kind": null}`` for one report or ``{"reports": [{"text": ..., "kind": ...}, ...]}``
for several (combined; a disagreement is listed under ``conflicts`` and left not known). The answer is the
extraction (``case``, ``evidence``, ``conflicts``, ``notes``) plus ``form``: the web form's fields for the draft
case, and ``deciding``: for each answer the evidence that decided it. Nothing is stored.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.concurrency import run_in_threadpool

from mesostage import CaseError, InputError
from mesostage.extraction import KINDS, Extraction, extract
from mesostage.limits import parse_json
from mesostage.web.api import ERRORS
from mesostage.web.form import form_from_case

__all__ = ["ExtractRequest", "case_form_fields", "router"]

router = APIRouter(prefix="/api/v1", tags=["api v1"])

#: The form fields a draft case fills (the person's own details are never touched).
_CASE_FIELDS = (
    "site",
    "basis",
    "histology",
    "laterality",
    "pleural_effusion_malignant",
    "reported_stage",
    "reported_stage.system",  # the edition of the stage given, asked beside it on the form
)
_CASE_PREFIXES = ("tumor.", "nodes.", "metastases.", "peritoneal.")


class ReportIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str = Field(description="the report's words")
    kind: str | None = Field(None, description=f"one of {', '.join(KINDS)}; null: found from the text")


class ExtractRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str | None = None
    kind: str | None = None
    reports: list[ReportIn] | None = Field(None, min_length=1, max_length=10)


def case_form_fields(case: dict[str, Any]) -> dict[str, list[str]]:
    """The web form's values for a draft case, only the fields that describe the disease."""
    return {k: v for k, v in form_from_case(case).items() if k in _CASE_FIELDS or k.startswith(_CASE_PREFIXES)}


def _answer(result: Extraction) -> dict[str, Any]:
    body = result.model_dump(mode="json")
    body["form"] = case_form_fields(result.case) if result.case else None
    body["deciding"] = {k: v.model_dump(mode="json") for k, v in result.deciding().items()}
    return body


_KIND = {
    "anyOf": [{"type": "string", "enum": list(KINDS)}, {"type": "null"}],
    "description": "null: found from the text",
}
_CT = (
    "CT CHEST WITH CONTRAST\nCLINICAL: Right pleural mesothelioma, epithelioid on biopsy.\nFINDINGS: Nodular "
    "thickening of the right parietal and mediastinal pleura up to 12 mm, extending into the major fissure. The fat "
    "plane with the right hemidiaphragm is lost. Enlarged station 7 node 15 mm, compatible with nodal metastasis. "
    "No liver or adrenal lesion."
)
_PATHOLOGY = "CYTOPATHOLOGY\nEBUS-TBNA: Station 7: negative for malignancy, adequate lymphocytes."
#: Realistic report texts (written for this document, not a real person's).
EXTRACT_EXAMPLES: dict[str, Any] = {
    "one CT report": {"summary": "one report, its kind found from the text", "value": {"text": _CT}},
    "CT and pathology": {
        "summary": "two reports combined: the node sampled at EBUS disagrees with the CT, so it is left not known",
        "value": {"reports": [{"text": _CT, "kind": "ct"}, {"text": _PATHOLOGY, "kind": "pathology"}]},
    },
}
#: The request body, described by hand (no $ref), since the body is read and checked here, not by FastAPI.
EXTRACT_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "One report's text, or several reports to combine; each report's kind is optional.",
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "additionalProperties": False,
                    "properties": {
                        "text": {
                            "anyOf": [{"type": "string"}, {"type": "null"}],
                            "description": "one report's words (or give reports)",
                        },
                        "kind": _KIND,
                        "reports": {
                            "anyOf": [
                                {
                                    "type": "array",
                                    "minItems": 1,
                                    "maxItems": 10,
                                    "items": {
                                        "type": "object",
                                        "additionalProperties": False,
                                        "required": ["text"],
                                        "properties": {
                                            "text": {"type": "string", "description": "the report's words"},
                                            "kind": _KIND,
                                        },
                                    },
                                },
                                {"type": "null"},
                            ],
                            "description": "several reports, combined (or give text)",
                        },
                    },
                },
                "examples": EXTRACT_EXAMPLES,
            }
        },
    }
}


def _read(raw: bytes) -> ExtractRequest:
    data = parse_json(raw)  # not UTF-8, not JSON, too deep, a number too long, a lone surrogate: 422 with a path
    try:
        return ExtractRequest.model_validate(data)
    except ValidationError as exc:
        raise CaseError(
            [InputError(".".join(str(p) for p in e["loc"]) or "", e["msg"]) for e in exc.errors()]
        ) from None


@router.post(
    "/extract",
    operation_id="extract_case",
    responses=ERRORS,
    openapi_extra=EXTRACT_BODY,
    summary="Read report text into a draft case, with evidence",
)
async def extract_route(request: Request) -> JSONResponse:
    """A draft case from one report (``text``) or several (``reports``), with the sentence and character span
    behind every answer and why (negated, hedged, measured, prior). Check every answer before staging."""
    body = _read(await request.body())
    if (body.text is None) == (body.reports is None):
        raise CaseError([InputError("text", "give either 'text' (one report) or 'reports' (several)")])
    if body.reports is not None:
        texts: str | list[str] = [r.text for r in body.reports]
        kinds: str | list[str | None] | None = [r.kind for r in body.reports]
    else:
        assert body.text is not None
        texts, kinds = body.text, body.kind
    result = await run_in_threadpool(extract, texts, kinds)
    return JSONResponse(_answer(result))
