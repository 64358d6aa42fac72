"""The dashboard's notice of a node outage, in the member's language, as a browser shows
it: since when the node cannot be read, never the error's host, port or credentials."""

from datetime import timedelta

from django.utils import timezone

from chains.models import ChainCursor
from merchants.models import MerchantUser
from tests.browser import screenshot
from tests.test_dashboard_browser import log_in, make_user
from worker import tasks

pytest_plugins = ["tests.browser"]


def test_the_dashboard_names_a_node_outage_without_its_address(api, page):
    make_user(api.merchant, "owner@shop.example")
    tasks.scan_network("sandbox")
    now = timezone.now()
    ChainCursor.objects.filter(network="sandbox").update(
        last_error="ConnectionError: http://***@10.0.0.5:8332/ refused",
        failures=9,
        failing_since=now - timedelta(minutes=5, seconds=10),
        retry_at=now + timedelta(minutes=1),
        last_scan_at=now,
    )
    log_in(page, "owner@shop.example")
    for language, words in (
        ("de", "seit 5 Minuten nicht lesbar"),
        ("fr", "ne peut pas être lu depuis 5 minutes"),
    ):
        MerchantUser.objects.update(language=language)
        page.goto("/dashboard/")
        text = page.locator("body").inner_text()
        assert words in text
        assert "10.0.0.5" not in text and "8332" not in text and "ConnectionError" not in text
        screenshot(page, f"dashboard/node-outage-{language}")
