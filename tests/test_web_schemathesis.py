"""schemathesis against the OpenAPI document: generated requests (valid and invalid by the document) never give a
5xx, every response matches the document, and requests the document calls invalid are refused.

Not checked: that every request valid by the JSON Schema is accepted. The case format has rules across fields
that JSON Schema does not express (a pleural section on a peritoneal case, a reported stage that is not a stage of
its system); by the contract those are 422 with their field path.

Bounded: 25 generated examples per route; the figure route (about 0.2 s a request, matplotlib) gets 10 examples
drawn from its strategy, without schemathesis' exhaustive coverage phase.
"""

from __future__ import annotations

from typing import Any

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from mesostage.web.app import OPENAPI_URL, create_app

FIGURE = "/api/v1/prognosis/figure"
schema = schemathesis.openapi.from_asgi(OPENAPI_URL, create_app(allowed_hosts=None))


@schema.exclude(path=FIGURE).parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_document(case: Any) -> None:
    case.call_and_validate(excluded_checks=[positive_data_acceptance])


@given(case=schema[FIGURE]["POST"].as_strategy())
@settings(max_examples=10, deadline=None, suppress_health_check=list(HealthCheck))
def test_figure_route_conforms_to_its_document(case: Any) -> None:
    case.call_and_validate(excluded_checks=[positive_data_acceptance])
