"""The merchant dashboard without a browser: the pure decisions, the refund payout, the list's
filters and search, the export, the overview, every action and setting through the test
client (CSRF on, bad input never a 500), roles, invitations, password reset and login
throttling."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from chains import hd, registry
from chains.backends.base import Transfer
from chains.lag import scanner_lag
from chains.models import ChainCursor
from chains.scanner import ScanReport
from core.errors import ErrorCode, GatewayError
from dashboard import present, queries
from invoices import selectors
from invoices.models import Event, Invoice, Refund, Transaction
from invoices.services import merchant_actions, payer, reconciliation, refunds, writes
from merchants import services as merchant_services
from merchants.models import MerchantAPIKey, MerchantUser, TeamInvite
from pages import amounts
from tests.support import default_endpoint, set_callback_url
from webhooks.models import WebhookEndpoint

PASSWORD = "a long enough passphrase"
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
# session, user, its 2FA device, membership, has-a-key, terminals (the filter), the page with
# its quotes, their transactions
LIST_PAGE_QUERIES = 8


# --- pure decisions --------------------------------------------------------------------------


def test_available_actions_follow_the_lifecycle():
    assert present.available_actions("unresolved", "overpaid", False) == [
        "complete",
        "refund",
        "archive",
    ]
    assert present.available_actions("declined", None, False) == ["complete", "refund", "archive"]
    assert present.available_actions("compliance_review", None, True) == [
        "approve",
        "decline",
        "unarchive",
    ]
    assert present.available_actions("new", None, False) == ["cancel", "archive"]
    assert present.available_actions("completed", None, False) == ["archive"]
    assert present.available_actions("completed", "overpaid", False) == [
        "complete",
        "refund",
        "archive",
    ]


def test_actor_labels():
    names = {"AbC123": "shop backend"}
    assert present.actor_label("user:ann@shop.example", names) == "ann@shop.example"
    assert present.actor_label("api_key:AbC123", names) == "API key shop backend (AbC123)"
    assert present.actor_label("api_key:gone", names) == "API key gone"
    assert [present.actor_label(a, {}) for a in ("system", "rule", "payer", "other")] == [
        "System",
        "Automatic rule",
        "Payer",
        "other",
    ]


@pytest.mark.parametrize(
    ("height", "tip", "scanned_ago", "failing_for", "expected"),
    [
        (100, 101, 30, None, None),
        (100, 110, 30, None, None),  # ten blocks of a minute: inside ten minutes
        (100, 111, 30, None, "11 blocks behind the node"),
        (100, 100, 6 * 60, None, "last scanned 6 minutes ago"),
        (100, 100, 45, None, None),  # inside five scan intervals
        (100, 100, 61, None, "last scanned 61 seconds ago"),
        (100, 100, 30, 30, "its node cannot be read; it is retried automatically"),
        (
            100,
            100,
            30,
            5 * 60,
            "its node cannot be read for 5 minutes; it is retried automatically",
        ),
        (None, None, None, None, "not scanned yet"),
    ],
)
def test_scanner_lag(height, tip, scanned_ago, failing_for, expected):
    scanned = NOW - timedelta(seconds=scanned_ago) if scanned_ago is not None else None
    failing = NOW - timedelta(seconds=failing_for) if failing_for is not None else None
    assert scanner_lag(60, height, tip, scanned, failing, NOW, timedelta(seconds=12)) == expected


def test_a_team_keeps_an_owner():
    roles = {1: "owner", 2: "staff"}
    assert not merchant_services.keep_at_least_one_owner(roles, 1, "staff")
    assert not merchant_services.keep_at_least_one_owner(roles, 1, None)
    assert merchant_services.keep_at_least_one_owner(roles, 2, "owner")
    assert merchant_services.keep_at_least_one_owner({**roles, 3: "owner"}, 1, None)


def test_stored_methods_keep_all_as_empty():
    available = ["BTC:sandbox", "USDT:sandbox"]
    assert present.stored_methods(available, available) == []
    assert present.stored_methods(["USDT:sandbox"], available) == ["USDT:sandbox"]
    assert present.stored_methods([], available) == []


def test_refund_steps_from_event_snapshots():
    assert present.refund_step([]) == ""
    assert present.refund_step([{"status": "awaiting_claim"}]) == "offered, awaiting the payer"
    assert present.refund_step([{"status": "claimed", "payout_txid": None}]) == (
        "claimed, to pay out"
    )
    assert present.refund_step([{"status": "claimed", "payout_txid": "ab"}]) == (
        "payout sent, waiting for the chain"
    )
    assert present.refund_step([{"status": "claimed", "txid": "ab"}]) == (
        "payout sent, waiting for the chain"
    )
    assert present.refund_step([{"status": "paid"}]) == "paid, seen on chain"


def test_csv_cells_never_become_formulas():
    assert [present.csv_cell(v) for v in ("=SUM(A1)", "+1", "-2", "@x", "\tx", "ok", None, 12)] == [
        "'=SUM(A1)",
        "'+1",
        "'-2",
        "'@x",
        "'\tx",
        "ok",
        "",
        "12",
    ]


def test_amounts_and_percentages_for_reading():
    assert amounts.short_amount("10.000000") == "10.00"
    assert amounts.short_amount("0.00041670") == "0.0004167"
    assert amounts.short_amount("25") == "25"
    assert amounts.short_amount(None) is None
    assert [present.percent(Decimal(v)) for v in ("0.5000", "10.0000", "0", "100")] == [
        "0.5",
        "10",
        "0",
        "100",
    ]


def test_chart_geometry():
    assert [present.nice_ceiling(v) for v in (0, 1, 3, 7, 10, 11, 260, 5000)] == [
        1,
        1,
        5,
        10,
        10,
        20,
        500,
        5000,
    ]
    days = [(date(2026, 2, d), units) for d, units in ((1, 0), (2, 5_00), (3, 10_00))]
    chart = present.bar_chart(days, 2)
    assert [bar.label for bar in chart.bars] == ["0.00", "5.00", "10.00"]
    tallest = chart.bars[2]
    assert tallest.y + tallest.height == pytest.approx(chart.plot_bottom)
    assert chart.bars[1].height == pytest.approx(tallest.height / 2)
    assert chart.bars[0].height == 0
    assert [label for _, label in chart.ticks] == ["0", "5", "10"]
    assert [label for _, label in chart.days] == ["03 Feb"]


def test_search_terms():
    evm = "0x52908400098527886e0f7030069857d2e4169ee7"
    addresses, _ = selectors.search_terms(evm)
    assert "0x52908400098527886E0F7030069857D2E4169EE7" in addresses
    txid = "AB" * 32
    _, txids = selectors.search_terms(txid)
    assert {"ab" * 32, "0x" + "ab" * 32} <= txids


# --- the refund payout ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("network", "text", "stored"),
    [
        ("sandbox", " " + "AB" * 32 + "\n", "ab" * 32),
        ("bitcoin", "0x" + "cd" * 32, "cd" * 32),
        ("ethereum", "ef" * 32, "0x" + "ef" * 32),
        ("tron", "12" * 32, "12" * 32),
    ],
)
def test_txid_formats(network, text, stored):
    assert refunds.validate_txid(network=registry.get_network(network), text=text) == stored


@pytest.mark.parametrize("text", ["", "xyz", "ab" * 31, "ab" * 33, "zz" * 32])
def test_txid_refused(text):
    with pytest.raises(GatewayError) as refused:
        refunds.validate_txid(network=registry.get_network("ethereum"), text=text)
    assert refused.value.code == "invalid_txid"
    assert "0x followed by 64 hexadecimal" in refused.value.message


@pytest.fixture
def refund(api, create_invoice):
    """A refund of an underpaid sandbox invoice, claimed by the payer."""
    invoice = create_invoice(pay_currency="USDT", network="sandbox")
    api.post(
        f"/api/v1/sandbox/invoices/{invoice['id']}/pay",
        {"amount": "40", "confirm": True},
        format="json",
    )
    Invoice.objects.filter(pk=invoice["id"]).update(status="unresolved", status_context="underpaid")
    _, offered = merchant_actions.resolve(
        invoice_id=invoice["id"], action="refund", actor="user:owner@shop.example"
    )
    with pytest.raises(GatewayError, match="not given a refund address"):
        merchant_actions.record_payout(
            invoice_id=invoice["id"], txid="ab" * 32, actor="user:owner@shop.example"
        )
    address = hd.derive_address("sandbox", hd.new_sandbox_xpub(), 0)
    return payer.claim(token=offered.claim_token, address=address)


def _seen(refund, txid, block_height=5, **changes):
    fields = {
        "network": "sandbox",
        "txid": txid,
        "index": 0,
        "to_address": refund.address,
        "asset": refund.asset,
        "amount": refund.amount,
        "block_height": block_height,
        "block_hash": "00" * 32 if block_height else None,
        **changes,
    }
    return Transfer(**fields)


def _match(transfers, network="sandbox", tip=5):
    return reconciliation.match_payouts(
        report=ScanReport(network=network, tip_height=tip, transfers=transfers)
    )


def test_payout_recorded_then_matched_on_chain(refund):
    assert selectors.payout_addresses(
        network="sandbox", addresses={refund.address, "sbx1other"}
    ) == {refund.address}
    recorded = merchant_actions.record_payout(
        invoice_id=refund.invoice_id, txid="AB" * 32, actor="user:owner@shop.example"
    )
    assert recorded.payout_txid == "ab" * 32
    txid = "ab" * 32
    assert _match([_seen(refund, txid, block_height=None)]) == 0
    assert _match([_seen(refund, txid, to_address="sbx1x")]) == 0
    assert _match([_seen(refund, txid, asset="BTC")]) == 0
    assert (
        _match([_seen(refund, "cd" * 32, amount=refund.amount - 1)]) == 0
    )  # another transaction, paying less: not this refund's payout
    assert _match([_seen(refund, txid)], network="ethereum") == 0
    assert _match([_seen(refund, txid.upper())]) == 1
    assert _match([_seen(refund, txid)]) == 0  # idempotent
    refund.refresh_from_db()
    assert (refund.status, refund.paid_at is not None) == (Refund.PAID, True)
    # Still watched: the payout is followed until it confirms (or leaves the chain).
    assert selectors.payout_addresses(network="sandbox", addresses={refund.address}) == {
        refund.address
    }
    actors = list(
        Event.objects.filter(invoice_id=refund.invoice_id, type="refund_updated")
        .order_by("sequence")
        .values_list("actor", flat=True)
    )
    assert actors == ["user:owner@shop.example", "payer", "user:owner@shop.example", "system"]
    with pytest.raises(GatewayError, match="already paid") as refused:
        merchant_actions.record_payout(
            invoice_id=refund.invoice_id, txid="ef" * 32, actor="user:owner@shop.example"
        )
    assert refused.value.code == ErrorCode.REFUND_NOT_AWAITING_PAYOUT


def test_payout_can_be_corrected_until_seen(refund):
    merchant_actions.record_payout(
        invoice_id=refund.invoice_id, txid="ab" * 32, actor="user:a@b.example"
    )
    merchant_actions.record_payout(
        invoice_id=refund.invoice_id, txid="cd" * 32, actor="user:a@b.example"
    )
    assert _match([_seen(refund, "ab" * 32, amount=refund.amount - 1)]) == 0
    assert _match([_seen(refund, "cd" * 32, amount=refund.amount - 1)]) == 1


def test_payout_of_an_invoice_without_refund(api, create_invoice):
    invoice = create_invoice()
    with pytest.raises(GatewayError) as refused:
        merchant_actions.record_payout(
            invoice_id=invoice["id"], txid="ab" * 32, actor="user:a@b.example"
        )
    assert refused.value.code == ErrorCode.REFUND_NOT_FOUND and refused.value.status == 404


# --- pages through the client -----------------------------------------------------------------


def _member(merchant, email, role=MerchantUser.OWNER):
    user = get_user_model().objects.create_user(username=email, email=email, password=PASSWORD)
    MerchantUser.objects.create(user=user, merchant=merchant, role=role)
    return user


@pytest.fixture
def owner(api):
    return _member(api.merchant, "owner@shop.example")


@pytest.fixture
def browser(owner):
    """The owner's logged-in client, with CSRF checked as in production."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)
    return client


def post(client, url, data=None, **extra):
    """A form POST with the CSRF token a page would carry (every page has the log-out
    form, so any page sets the cookie)."""
    if "csrftoken" not in client.cookies:
        client.get("/dashboard/")
    token = client.cookies["csrftoken"].value
    return client.post(url, {**(data or {}), "csrfmiddlewaretoken": token}, **extra)


def test_pages_need_a_login_and_a_store(client, owner):
    response = client.get("/dashboard/invoices/?status=new")
    assert response.status_code == 302
    assert response["Location"] == "/dashboard/login/?next=/dashboard/invoices/%3Fstatus%3Dnew"
    stranger = get_user_model().objects.create_user("x@y.example", "x@y.example", PASSWORD)
    client.force_login(stranger)
    response = client.get("/dashboard/")
    assert response.status_code == 403
    assert b"belongs to no store" in response.content


def test_every_page_has_a_strict_policy_and_no_cache(browser):
    response = browser.get("/dashboard/")
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
    assert "no-store" in response["Cache-Control"]
    login = Client().get("/dashboard/login/")
    assert "default-src 'none'" in login["Content-Security-Policy"]


def test_pages_load_the_shared_script_not_the_checkouts(browser):
    """Copy buttons and self-submitting selects come from static/js/gateway.js; the
    checkout's poller and countdown stay on the payer's pages."""
    html = browser.get("/dashboard/").content.decode()
    scripts = re.findall(r'<script src="([^"]+)"', html)
    assert scripts == ["/static/js/gateway.js"]
    assert browser.get(scripts[0]).status_code == 200


def test_post_without_csrf_token_is_refused(browser, api, create_invoice):
    invoice = create_invoice()
    response = browser.post(f"/dashboard/invoices/{invoice['id']}/cancel/")
    assert response.status_code == 403
    assert Invoice.objects.get(pk=invoice["id"]).status == "new"


def test_actions_confirm_then_act_as_the_user(browser, create_invoice):
    invoice = create_invoice(foreign_id="order-7")
    url = f"/dashboard/invoices/{invoice['id']}/cancel/"
    page = browser.get(url)
    assert page.status_code == 200 and b"Cancel the invoice?" in page.content
    assert Invoice.objects.get(pk=invoice["id"]).status == "new"  # GET only asks
    response = post(browser, url)
    assert response.status_code == 302
    assert Invoice.objects.get(pk=invoice["id"]).status == "cancelled"
    event = Event.objects.filter(invoice_id=invoice["id"]).latest("sequence")
    assert (event.type, event.actor) == ("status_changed", "user:owner@shop.example")
    detail = browser.get(f"/dashboard/invoices/{invoice['id']}/")
    assert b"by owner@shop.example" in detail.content

    again = post(browser, url)  # a stale confirmation page: a message, not a 500
    assert again.status_code == 409
    assert b"Cannot cancel an invoice that is cancelled; allowed from: new, pending." in (
        again.content
    )
    assert browser.get(f"/dashboard/invoices/{invoice['id']}/explode/").status_code == 404

    for action, archived in (("archive", True), ("unarchive", False)):
        post(browser, f"/dashboard/invoices/{invoice['id']}/{action}/")
        assert Invoice.objects.get(pk=invoice["id"]).archived is archived


def test_review_actions(browser, api, create_invoice):
    invoice = create_invoice(pay_currency="USDT", network="sandbox")
    api.merchant.deny_list = ["sbx1qflagged"]
    api.merchant.save(update_fields=["deny_list"])
    api.post(
        f"/api/v1/sandbox/invoices/{invoice['id']}/pay",
        {"confirm": True, "sender": "sbx1qflagged"},
        format="json",
    )
    assert Invoice.objects.get(pk=invoice["id"]).status == "compliance_review"
    detail = browser.get(f"/dashboard/invoices/{invoice['id']}/")
    assert b"flagged" in detail.content and b"Approve" in detail.content
    post(browser, f"/dashboard/invoices/{invoice['id']}/decline/")
    assert Invoice.objects.get(pk=invoice["id"]).status == "declined"
    assert Refund.objects.filter(invoice_id=invoice["id"]).exists()


def test_refund_of_the_excess_only(browser, api, create_invoice):
    invoice = create_invoice(pay_currency="USDT", network="sandbox")
    api.post(
        f"/api/v1/sandbox/invoices/{invoice['id']}/pay",
        {"amount": "150", "confirm": True},
        format="json",
    )
    assert Invoice.objects.get(pk=invoice["id"]).status_context == "overpaid"
    page = browser.get(f"/dashboard/invoices/{invoice['id']}/refund/")
    assert b"Only what was paid beyond the amount due: 50.00 USDT" in page.content
    assert (
        post(
            browser, f"/dashboard/invoices/{invoice['id']}/refund/", {"refund_amount": "nonsense"}
        ).status_code
        == 200
    )  # the form asks again
    post(browser, f"/dashboard/invoices/{invoice['id']}/refund/", {"refund_amount": "excess"})
    assert Refund.objects.get(invoice_id=invoice["id"]).amount == 50_000_000
    assert Invoice.objects.get(pk=invoice["id"]).status == "completed"  # the price is kept


def test_payout_form_errors_are_shown(browser, refund):
    url = f"/dashboard/invoices/{refund.invoice_id}/payout/"
    response = post(browser, url, {"payout_txid": "nope"})
    assert response.status_code == 422
    assert b"64 hexadecimal" in response.content
    assert post(browser, url, {"payout_txid": "ab" * 32}).status_code == 302
    assert Refund.objects.get(pk=refund.pk).payout_txid == "ab" * 32


def test_list_filters_search_and_pages(browser, api, create_invoice):
    made = [
        create_invoice(foreign_id=f"order-{i}", customer_email=f"Buyer{i}@Shop.example")
        for i in range(3)
    ]
    paid = create_invoice(pay_currency="USDT", network="sandbox")
    api.post(f"/api/v1/sandbox/invoices/{paid['id']}/pay", {"confirm": True}, format="json")
    tx = Transaction.objects.get(invoice_id=paid["id"])

    def ids(**params):
        response = browser.get("/dashboard/invoices/", params)
        assert response.status_code == 200
        return set(re.findall(rb'href="/dashboard/invoices/([0-9a-f-]{36})/"', response.content))

    every = {m["id"].encode() for m in made} | {paid["id"].encode()}
    assert ids() == every
    assert ids(status="completed") == {paid["id"].encode()}
    assert ids(network="sandbox") == {paid["id"].encode()}
    assert ids(q="order-1") == {made[1]["id"].encode()}
    assert ids(q="buyer2@shop.EXAMPLE") == {made[2]["id"].encode()}
    assert ids(q=made[0]["id"].upper()) == {made[0]["id"].encode()}
    assert ids(q=paid["address"]) == {paid["id"].encode()}
    assert ids(q=tx.txid.upper()) == {paid["id"].encode()}
    assert ids(created_from="2000-01-01", created_to="2000-01-02") == set()
    assert ids(created_from=timezone.now().date().isoformat()) == every
    Invoice.objects.filter(pk=made[0]["id"]).update(archived=True)
    assert ids(archived="only") == {made[0]["id"].encode()}
    assert made[0]["id"].encode() not in ids()
    assert ids(archived="all") == every

    garbage = browser.get(
        "/dashboard/invoices/",
        {
            "status": "zzz",
            "created_from": "31/31",
            "cursor": "!!!",
            "network": "moon",
            "created_to": "9999-12-31",
            "q": "x" * 300,
        },
    )
    assert garbage.status_code == 200
    assert b"That page link is no longer valid" in garbage.content
    assert garbage.content.count(b'class="field-error"') == 5


def test_keyset_pages_cover_every_invoice_once(browser, api, owner):
    now = timezone.now()
    Invoice.objects.bulk_create(
        [
            Invoice(
                merchant=api.merchant,
                livemode=False,
                price_amount=100,
                price_currency="USD",
                insurance_percent=0,
                slippage_percent=0,
                payment_window_minutes=15,
                late_window_minutes=0,
                processing_timeout_minutes=60,
                created_at=now - timedelta(seconds=i // 2),
                status_changed_at=now,
            )
            for i in range(queries.PAGE_SIZE + 7)
        ]
    )
    seen, params = [], {}
    while True:
        page = browser.get("/dashboard/invoices/", params).content
        seen += re.findall(rb'href="/dashboard/invoices/([0-9a-f-]{36})/"', page)
        cursor = re.search(rb'href="\?cursor=([^"&]+)[^"]*" rel="next"', page)
        if not cursor:
            break
        params = {"cursor": cursor[1].decode()}
    assert len(seen) == len(set(seen)) == queries.PAGE_SIZE + 7


def test_csv_export_streams_the_filtered_invoices(browser, create_invoice):
    create_invoice(foreign_id='=HYPERLINK("x")', description="plain")
    create_invoice(foreign_id="order-2", price_amount="12.50")
    response = browser.get("/dashboard/invoices/export.csv")
    assert response.streaming
    assert response["Content-Disposition"].startswith('attachment; filename="invoices-')
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [row["foreign_id"] for row in rows] == ["order-2", '\'=HYPERLINK("x")']
    assert rows[0]["price_amount [price_currency]"] == "12.50" and rows[0]["status"] == "new"
    filtered = browser.get("/dashboard/invoices/export.csv", {"q": "order-2"})
    assert len(b"".join(filtered.streaming_content).splitlines()) == 2


def test_overview_counts_volume_chart_and_attention(browser, api, create_invoice):
    paid = create_invoice(pay_currency="USDT", network="sandbox", price_amount="20.00")
    api.post(f"/api/v1/sandbox/invoices/{paid['id']}/pay", {"confirm": True}, format="json")
    create_invoice(price_amount="5.00", price_currency="EUR")
    now = timezone.now()
    with transaction.atomic():  # through the write path, which keeps the daily totals
        unresolved = writes.lock_invoice(create_invoice()["id"])
        writes.change_status(unresolved, "unresolved", "overpaid", actor="test", now=now)
    rows = {row["status"]: row for row in queries.status_table(api.merchant, now, False)}
    assert rows["completed"]["periods"][0] == {"label": "Today", "count": 1, "volume": "20.00 USD"}
    assert rows["new"]["periods"][2]["volume"] == "5.00 EUR"
    chart = queries.completed_chart(api.merchant, now, livemode=False)
    assert (chart["currency"], chart["total"]) == ("USD", "20.00")
    assert len(chart["chart"].bars) == queries.CHART_DAYS
    assert queries.completed_chart(api.merchant, now, "EUR", False)["currency"] == "USD"

    ChainCursor.objects.filter(network="sandbox").update(last_scan_at=now - timedelta(hours=1))
    WebhookEndpoint.objects.filter(pk=set_callback_url(api.merchant.pk, "").pk).update(
        failing_since=now
    )
    texts = [item["text"] for item in queries.needs_action(api.merchant, now, False)]
    assert texts[0] == "1 unresolved invoice to complete or refund"
    assert texts[1].startswith("Callbacks to your endpoint are failing since")
    assert texts[2] == (
        "Sandbox (test network): last scanned 60 minutes ago; payments on it may show late"
    )
    page = browser.get("/dashboard/")
    assert page.status_code == 200 and b'<rect class="bar"' in page.content


def test_redeliver_without_callback_url_says_so(browser, create_invoice):
    invoice = create_invoice()
    merchant_actions.cancel(invoice_id=invoice["id"], actor="system")
    event = Event.objects.get(invoice_id=invoice["id"])
    response = post(
        browser, f"/dashboard/invoices/{invoice['id']}/events/{event.pk}/redeliver/", follow=True
    )
    assert b"neither the invoice nor the merchant has a callback_url" in response.content


# --- settings ------------------------------------------------------------------------------


def test_settings_are_validated_by_the_api_rules(browser, api):
    response = post(
        browser,
        "/dashboard/settings/",
        {
            "name": "New name",
            "logo_url": "https://cdn.shop.example/logo.png",
            "allowed_return_hosts": "Shop.example\n\n www.shop.example ",
            "embed_hosts": "",
        },
    )
    assert response.status_code == 302
    api.merchant.refresh_from_db()
    assert (api.merchant.name, api.merchant.allowed_return_hosts) == (
        "New name",
        ["shop.example", "www.shop.example"],
    )
    bad = post(browser, "/dashboard/settings/", {"name": "", "logo_url": "ftp://x"})
    assert bad.status_code == 422

    form = {
        "enabled_methods": ["USDT:sandbox"],
        "invoice_ttl_minutes": "30",
        "payment_window_minutes": "20",
        "slippage_percent": "1.5",
        "insurance_percent": "2",
        "late_window_minutes": "60",
        "processing_timeout_minutes": "120",
        "deny_list": "sbx1qbad\n",
        "confirmations_sandbox": "3",
        **{
            f"rule_{c}": "review"
            for c in ("underpaid", "paid_late", "multiple_senders", "reverted")
        },
        "rule_overpaid": "complete",
    }
    assert post(browser, "/dashboard/settings/payments/", form).status_code == 302
    api.merchant.refresh_from_db()
    assert api.merchant.enabled_methods == ["USDT:sandbox"]
    assert api.merchant.confirmations == {"sandbox": 3}
    assert api.merchant.slippage_percent == Decimal("1.5")
    assert api.merchant.unresolved_rules["overpaid"] == "complete"
    assert api.merchant.deny_list == ["sbx1qbad"]
    for field, value in (
        ("confirmations_sandbox", "0"),
        ("slippage_percent", "101"),
        ("invoice_ttl_minutes", "many"),
        ("rule_overpaid", "burn"),
        ("enabled_methods", ["DOGE:moon"]),
    ):
        refused = post(browser, "/dashboard/settings/payments/", {**form, field: value})
        assert refused.status_code == 422, field
        assert b"Nothing was saved" in refused.content


def test_wallet_preview_then_save(browser, api):
    url = "/dashboard/settings/wallets/sandbox/"
    assert post(browser, url, {"xpub": "xpub661MyMwAqRbcF", "step": "preview"}).status_code == 422
    assert browser.get("/dashboard/settings/wallets/bitcoin/").status_code == 404  # not enabled
    xpub = hd.new_sandbox_xpub()
    preview = post(browser, url, {"xpub": xpub, "step": "preview"})
    for address in hd.derive_addresses("sandbox", xpub, 0, 5):
        assert address.encode() in preview.content
    assert api.merchant.wallets.get().xpub != xpub  # not saved by the preview
    assert post(browser, url, {"xpub": xpub, "step": "save"}).status_code == 302
    assert api.merchant.wallets.get().xpub == xpub


def test_api_keys_created_once_and_revoked(browser, api):
    created = post(
        browser,
        "/dashboard/settings/api-keys/",
        {"name": "backend", "mode": "live", "scope": "invoices"},
    )
    assert created.status_code == 201
    key = re.search(rb'<code id="api-key">([^<]+)</code>', created.content)[1].decode()
    stored = MerchantAPIKey.objects.get(name="backend")
    assert stored.is_valid(key) and key not in stored.hashed_key
    assert key.startswith("cg_live_") and (stored.mode, stored.scope) == ("live", "invoices")
    assert key.encode() not in browser.get("/dashboard/settings/api-keys/").content
    assert post(browser, f"/dashboard/settings/api-keys/{stored.prefix}/revoke/").status_code == 302
    assert MerchantAPIKey.objects.get(pk=stored.pk).revoked
    assert post(browser, "/dashboard/settings/api-keys/", {"name": ""}).status_code == 422


def test_callback_secret_rotation_and_test_without_url(browser, api):
    before = set_callback_url(api.merchant.pk, "").secret
    assert (
        b"Rotate the callback secret?"
        in browser.get("/dashboard/settings/callbacks/rotate/").content
    )
    post(browser, "/dashboard/settings/callbacks/rotate/")
    endpoint = default_endpoint(api.merchant.pk)
    assert endpoint.previous_secret == before != endpoint.secret
    response = post(browser, "/dashboard/settings/callbacks/test/")
    assert b"set the merchant&#x27;s callback_url first" in response.content
    assert (
        post(browser, "/dashboard/settings/callbacks/", {"callback_url": "not a url"}).status_code
        == 422
    )


def test_staff_cannot_manage_keys_wallets_team_or_callbacks(client, api):
    client.force_login(_member(api.merchant, "staff@shop.example", MerchantUser.STAFF))
    secret = set_callback_url(api.merchant.pk, "https://shop.example/hook").secret
    for url in (
        "/dashboard/settings/api-keys/",
        "/dashboard/settings/wallets/",
        "/dashboard/settings/wallets/sandbox/",
        "/dashboard/settings/team/",
        "/dashboard/settings/callbacks/",
        "/dashboard/settings/callbacks/rotate/",
    ):
        page = client.get(url)
        assert page.status_code == 403, url
        assert secret.encode() not in page.content
    for url in ("/dashboard/", "/dashboard/invoices/", "/dashboard/settings/payments/"):
        assert client.get(url).status_code == 200, url


# --- team and account ---------------------------------------------------------------------------


def test_invite_accept_and_roles(browser, api, owner, client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):  # the mail is queued at commit
        response = post(
            browser, "/dashboard/settings/team/", {"email": "New@Shop.example", "role": "staff"}
        )
    assert response.status_code == 201
    link = re.search(r"http\S+/dashboard/invite/\S+/", mail.outbox[-1].body)[0]
    assert link.encode() in response.content
    path = link.split("8000", 1)[1]
    assert client.get(path).status_code == 200
    weak = client.post(path, {"password1": "short", "password2": "short"})
    assert weak.status_code == 422
    joined = client.post(path, {"password1": PASSWORD, "password2": PASSWORD})
    assert joined.status_code == 302
    member = MerchantUser.objects.get(user__username="new@shop.example")
    assert (member.merchant, member.role) == (api.merchant, "staff")
    assert client.get(path).status_code == 404  # used

    owner_member = MerchantUser.objects.get(user=owner)
    demote = post(
        browser,
        f"/dashboard/settings/team/members/{owner_member.pk}/role/",
        {"role": "staff"},
        follow=True,
    )
    assert b"needs at least one owner" in demote.content
    post(browser, f"/dashboard/settings/team/members/{member.pk}/role/", {"role": "owner"})
    assert MerchantUser.objects.get(pk=member.pk).role == "owner"
    myself = post(
        browser, f"/dashboard/settings/team/members/{owner_member.pk}/remove/", follow=True
    )
    assert b"cannot remove yourself" in myself.content
    post(browser, f"/dashboard/settings/team/members/{member.pk}/remove/")
    assert not get_user_model().objects.filter(username="new@shop.example").exists()


def test_expired_or_cancelled_invitation(browser, api, client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        post(browser, "/dashboard/settings/team/", {"email": "late@shop.example", "role": "owner"})
    path = re.search(r"/dashboard/invite/\S+/", mail.outbox[-1].body)[0]
    TeamInvite.objects.update(expires_at=timezone.now())
    assert client.get(path).status_code == 404
    TeamInvite.objects.update(expires_at=timezone.now() + timedelta(days=1))
    post(browser, f"/dashboard/settings/team/invites/{TeamInvite.objects.get().pk}/cancel/")
    assert client.get(path).status_code == 404
    assert client.get("/dashboard/invite/" + "x" * 300 + "/").status_code == 404


def test_password_reset_mail_uses_the_public_url(client, owner, settings):
    response = client.post("/dashboard/password-reset/", {"email": "owner@shop.example"})
    assert response.status_code == 302
    body = mail.outbox[-1].body
    assert f"{settings.PUBLIC_URL}/dashboard/password-reset/" in body
    assert (
        client.post("/dashboard/password-reset/", {"email": "nobody@x.example"}).status_code == 302
    )  # no hint whether the address exists
    assert len(mail.outbox) == 1


def test_failed_logins_are_throttled(client, owner, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        refused = client.post(
            "/dashboard/login/", {"username": "owner@shop.example", "password": "wrong"}
        )
    assert refused.status_code == 429
    assert b"Too many failed logins" in refused.content
    locked = client.post(
        "/dashboard/login/", {"username": "owner@shop.example", "password": PASSWORD}
    )
    assert locked.status_code == 429


def test_login_then_second_factor(client, owner):
    device = TOTPDevice.objects.create(user=owner, name="app", confirmed=True)
    response = client.post(
        "/dashboard/login/", {"username": "owner@shop.example", "password": PASSWORD}
    )
    assert response.status_code == 302
    blocked = client.get("/dashboard/invoices/")
    assert blocked["Location"] == "/dashboard/login/verify/?next=%2Fdashboard%2Finvoices%2F"
    wrong = client.post(
        "/dashboard/login/verify/?next=/dashboard/invoices/", {"otp_token": "12345x"}
    )
    assert wrong.status_code == 422
    from django_otp.oath import TOTP

    token = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token()
    passed = client.post(
        "/dashboard/login/verify/",
        {"otp_token": str(token).zfill(6), "next": "https://evil.example/"},
    )
    assert passed["Location"] == "/dashboard/"  # never off-site
    assert client.get("/dashboard/invoices/").status_code == 200


def test_list_page_runs_a_fixed_number_of_queries(browser, api, create_invoice):
    """A page of 50 paid rows costs the same queries as a page of 2: the ledger a row shows
    reads only columns the list loaded (no query per row for a deferred field)."""

    def paid_invoices(count):
        for _ in range(count):
            made = create_invoice(pay_currency="USDT", network="sandbox")
            api.post(f"/api/v1/sandbox/invoices/{made['id']}/pay", {"confirm": True}, format="json")

    def list_queries():
        with CaptureQueriesContext(connection) as captured:
            assert browser.get("/dashboard/invoices/").status_code == 200
        return len(captured)

    paid_invoices(2)
    few = list_queries()
    paid_invoices(queries.PAGE_SIZE)
    assert list_queries() == few == LIST_PAGE_QUERIES
