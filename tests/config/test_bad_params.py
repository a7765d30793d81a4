"""Issue 10 point 6: bad query parameters answer 400 or 404 (or are ignored), never 500."""
from __future__ import annotations

import pytest

BAD_VALUES = ["abc", "-1", "1.5", "²", "99999999999999999999999999", "1 OR 1=1", "%00", "", "[]"]

PAGES = {
    "researcher": ["/agreements/request/?dataset={v}", "/agreements/catalogue/?{k}={v}", "/agreements/list/?status={v}",
                   "/datasets/?{k}={v}", "/dashboard/?page={v}", "/agreements/organisations/?{k}={v}"],
    "legal": ["/agreements/review/?state={v}", "/agreements/review/?{k}={v}"],
    "ml_admin": ["/training/?state={v}", "/training/launch/?purpose={v}"],
    "auditor": ["/audit/?since={v}", "/audit/?until={v}", "/audit/?page={v}", "/audit/?target_id={v}",
                "/audit/export.csv?since={v}"],
}
KEYS = ["page", "organization", "organization_name", "kind", "q", "dataset", "license", "status"]


@pytest.mark.parametrize("role", list(PAGES))
def test_no_bad_query_parameter_answers_500(client, request, role):
    client.raise_request_exception = False
    client.force_login(request.getfixturevalue(role if role != "ml_admin" else "ml_admin"))
    failures = []
    for template in PAGES[role]:
        for value in BAD_VALUES:
            for key in KEYS if "{k}" in template else [None]:
                url = template.format(k=key, v=value)
                status = client.get(url).status_code
                if status >= 500:
                    failures.append((url, status))
    assert failures == []


@pytest.mark.parametrize("value", BAD_VALUES)
def test_api_bad_query_parameters_answer_4xx(api_client_for, researcher, auditor, value):
    failures = []
    for user, url in ((researcher, f"/api/datasets/?limit={value}&offset={value}"),
                      (researcher, f"/api/agreements/?state={value}"),
                      (researcher, f"/api/datasets/?organization_name={value}&q={value}"),
                      (auditor, f"/api/audit-events/?target_id={value}")):
        client = api_client_for(user)
        client.raise_request_exception = False
        status = client.get(url).status_code
        if status >= 500:
            failures.append((url, status))
    assert failures == []


def test_request_form_with_a_non_numeric_dataset_is_not_found(client, researcher):
    client.force_login(researcher)
    for value in ("abc", "²", "99999999999999999999999999"):
        assert client.get(f"/agreements/request/?dataset={value}").status_code == 404
