"""The API reference page works with no network: every asset comes from the gateway."""

import pytest

from tests.browser import screenshot

pytestmark = pytest.mark.django_db(transaction=True)


def test_docs_page_loads_everything_from_the_gateway_itself(open_page, live_server):
    page = open_page()
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto("/api/docs/")
    page.get_by_text("createInvoice").first.wait_for()  # the schema was fetched and rendered
    page.locator(".opblock-tag", has_text="Invoices").first.wait_for()
    assert requests and all(url.startswith(live_server.url) for url in requests), [
        url for url in requests if not url.startswith(live_server.url)
    ]
    assert any("/api/schema/" in url for url in requests)
    screenshot(page, "api-docs")
    page.locator("#operations-Invoices-createInvoice .opblock-summary").click()
    page.locator("#operations-Invoices-createInvoice").get_by_text(
        "Idempotency-Key"
    ).first.wait_for()  # the operation opens with its parameters
    assert page.problems == []  # no CSP violation, script error or failed asset


def test_docs_page_is_under_the_strict_content_security_policy(client):
    response = client.get("/api/docs/")
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "default-src 'none'" in policy
    assert b"cdn" not in response.content.lower() and b"<style" not in response.content
    script = client.get("/api/docs/?script=")
    assert script.status_code == 200 and script["Content-Type"].startswith("application/javascript")
