"""The point of sale without a browser: the order a press asks for (keypad amount or
products, the tip rounded up), one invoice per press however often it is sent, and a secret
link that can create invoices and read those it made — nothing else, and nothing at all once
rotated or deactivated."""

from __future__ import annotations

import json
import uuid
from decimal import Decimal

import pytest
from django.test import Client

from core.errors import GatewayError
from invoices.models import Invoice
from invoices.pricing import percent_up
from pos import sale, services
from pos.models import Sale, Terminal

PRODUCTS = [{"name": "Espresso", "price": 250}, {"name": "Croissant", "price": 195}]


@pytest.fixture
def terminal(api):
    return Terminal.objects.create(
        merchant=api.merchant,
        livemode=False,
        name="Counter",
        currency="USD",
        products=PRODUCTS,
        tip_percents=["10", "12.5"],
    )


def charge(client, terminal, **body):
    body.setdefault("key", "press-0001")
    return client.post(
        f"/pos/{terminal.slug}/charge", json.dumps(body), content_type="application/json"
    )


def order(**kwargs):
    return sale.order(
        name="Counter", decimals=2, products=PRODUCTS, tip_percents=["10", "12.5"], **kwargs
    )


def test_the_keypad_amount_is_exact_and_the_tip_rounds_up():
    assert order(amount="12.34") == sale.Order(1234, 0, "", "Counter")
    tipped = order(amount="12.34", tip="12.5")
    # 12.5 % of 12.34 is 1.54250: rounded up to 1.55, never down, never through a float.
    assert (tipped.subtotal, tipped.tip, tipped.total) == (1234, 155, 1389)
    assert tipped.description == "Counter · tip 12.5 %"
    assert order(amount="10.00", tip="10").tip == 100
    assert percent_up(1, Decimal("10")) == 1


def test_products_are_summed_from_the_terminals_prices():
    chosen = order(items={"0": 2, "1": 1}, tip="10")
    assert (chosen.subtotal, chosen.tip) == (695, 70)
    assert chosen.description == "Counter: 2 × Espresso, 1 × Croissant · tip 10 %"


@pytest.mark.parametrize(
    ("kwargs", "param"),
    [
        ({"amount": "0"}, "amount"),
        ({"amount": "12.345"}, "amount"),
        ({"amount": "abc"}, "amount"),
        ({"amount": 12.34}, "amount"),
        ({}, "amount"),
        ({"items": {"2": 1}}, "items"),
        ({"items": {"0": 0}}, "items"),
        ({"items": {"0": 1.5}}, "items"),
        ({"items": {"0": 100}}, "items"),
        ({"items": ["0"]}, "items"),
        ({"amount": "5.00", "tip": "50"}, "tip"),
    ],
)
def test_a_bad_press_is_refused_naming_the_field(kwargs, param):
    with pytest.raises(GatewayError) as refused:
        order(**kwargs)
    assert refused.value.param == param


@pytest.mark.parametrize(
    ("status", "context", "state"),
    [
        ("new", None, "waiting"),
        ("pending", None, "paid"),
        ("pending", "underpaid", "waiting"),
        ("completed", None, "paid"),
        ("unresolved", "overpaid", "paid"),
        ("unresolved", "underpaid", "over"),
        ("expired", None, "over"),
        ("cancelled", None, "over"),
    ],
)
def test_what_the_counter_shows_of_an_invoice(status, context, state):
    assert sale.counter_state(status, context) == state


def test_one_press_makes_one_invoice_however_often_it_is_sent(terminal):
    counter = Client()
    page = counter.get(f"/pos/{terminal.slug}")
    assert page.status_code == 200 and b"Charge" in page.content
    first = charge(counter, terminal, amount="12.34", tip="10")
    assert first.status_code == 201
    again = charge(counter, terminal, amount="12.34", tip="10")
    assert again.status_code == 200 and again.json() == first.json()
    invoice = Invoice.objects.get()
    assert (invoice.price_amount, invoice.price_currency, invoice.livemode) == (1358, "USD", False)
    assert invoice.metadata == {"pos": "Counter", "subtotal": "12.34", "tip": "1.24"}
    assert Sale.objects.get().invoice == invoice
    assert first.json()["checkout_url"] == f"/pay/{invoice.pk}"
    # The same key for another amount is a mistake, not a new sale.
    conflict = charge(counter, terminal, amount="99.00")
    assert conflict.status_code == 409
    # The next press is the next sale.
    assert charge(counter, terminal, amount="12.34", key="press-0002").status_code == 201
    assert Invoice.objects.count() == 2


def test_a_refused_press_answers_its_error_and_creates_nothing(terminal):
    response = charge(Client(), terminal, amount="12.345")
    assert response.status_code == 400
    assert response.json()["error"]["param"] == "amount"
    assert charge(Client(), terminal, amount="1", key="x").json()["error"]["param"] == "key"
    bad = Client().post(f"/pos/{terminal.slug}/charge", "[", content_type="application/json")
    assert bad.status_code == 400
    assert not Invoice.objects.exists()


def test_the_link_reads_only_the_invoices_it_made(terminal, create_invoice, api):
    counter = Client()
    made = charge(counter, terminal, amount="5.00").json()
    assert counter.get(made["status_url"]).json() == {"state": "waiting"}
    other = Terminal.objects.create(
        merchant=api.merchant, name="Bar", currency="USD", livemode=False
    )
    others = charge(counter, other, amount="5.00").json()
    api_invoice = create_invoice()
    for invoice_id in (others["id"], api_invoice["id"], str(uuid.uuid4())):
        response = counter.get(f"/pos/{terminal.slug}/sales/{invoice_id}")
        assert response.status_code == 404, invoice_id
        assert str(invoice_id) not in response.content.decode()
    # Nothing but reading: no other method on a sale, no other address under the link.
    assert counter.post(made["status_url"]).status_code == 405
    assert counter.delete(made["status_url"]).status_code == 405
    assert counter.get(f"/pos/{terminal.slug}/sales/").status_code == 404
    assert counter.get(f"/pos/{terminal.slug}/settings").status_code == 404


def test_a_rotated_or_deactivated_link_is_dead(terminal):
    counter = Client()
    made = charge(counter, terminal, amount="5.00").json()
    old = terminal.slug
    services.rotate(terminal=terminal)
    assert terminal.slug != old and len(terminal.slug) >= 32
    assert counter.get(f"/pos/{old}").status_code == 404
    assert counter.get(made["status_url"]).status_code == 404
    assert charge(counter, Terminal(slug=old), amount="5.00", key="press-0009").status_code == 404
    assert Invoice.objects.count() == 1
    assert counter.get(f"/pos/{terminal.slug}").status_code == 200
    terminal.active = False
    terminal.save()
    assert counter.get(f"/pos/{terminal.slug}").status_code == 404


def test_the_checkout_of_a_sale_may_be_framed_by_the_counter_only(terminal, create_invoice):
    made = charge(Client(), terminal, amount="5.00").json()
    framed = Client().get(made["checkout_url"])
    assert "frame-ancestors 'self'" in framed["Content-Security-Policy"]
    assert "X-Frame-Options" not in framed
    assert b"shell-counter" in framed.content
    other = Client().get(f"/pay/{create_invoice()['id']}")
    assert "frame-ancestors 'none'" in other["Content-Security-Policy"]
    page = Client().get(f"/pos/{terminal.slug}")
    assert "frame-src 'self'" in page["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in page["Content-Security-Policy"]


def test_the_page_speaks_the_dashboards_languages(terminal):
    german = Client(headers={"accept-language": "de"}).get(f"/pos/{terminal.slug}")
    assert german["Content-Language"] == "de"
    assert "Kassieren" in german.content.decode()


def test_the_dashboard_makes_edits_rotates_and_deactivates_a_point_of_sale(api, make_merchant):
    from tests.test_links import member_client

    dashboard = member_client(api.merchant)
    dashboard.post("/dashboard/mode/", {"mode": "test", "next": "/dashboard/pos/"})
    refused = dashboard.post(
        "/dashboard/pos/new/",
        {"name": "Front", "currency": "EUR", "products": "Espresso 2.50", "tips": "10, 0"},
    )
    assert refused.status_code == 422 and not Terminal.objects.exists()
    assert "is not a percentage" in refused.content.decode()
    made = dashboard.post(
        "/dashboard/pos/new/",
        {
            "name": "Front",
            "currency": "EUR",
            "products": "Espresso = 2,50\nCake = 3.10",
            "tips": "10, 12.5",
        },
    )
    assert made.status_code == 302
    terminal = Terminal.objects.get()
    assert (terminal.currency, terminal.livemode) == ("EUR", False)
    assert terminal.products == [{"name": "Espresso", "price": 250}, {"name": "Cake", "price": 310}]
    assert terminal.tip_percents == ["10", "12.5"]
    listed = dashboard.get("/dashboard/pos/").content.decode()
    assert f"/pos/{terminal.slug}" in listed
    edit = dashboard.get(f"/dashboard/pos/{terminal.pk}/edit/").content.decode()
    assert "Espresso = 2.50" in edit
    old = terminal.slug
    dashboard.post(f"/dashboard/pos/{terminal.pk}/rotate/")
    terminal.refresh_from_db()
    assert terminal.slug != old and Client().get(f"/pos/{old}").status_code == 404
    dashboard.post(f"/dashboard/pos/{terminal.pk}/toggle/")
    terminal.refresh_from_db()
    assert not terminal.active
    # Another store's member finds none of it.
    stranger = member_client(make_merchant().merchant, email="other@shop.example")
    for url in ("edit/", "rotate/", "toggle/"):
        response = (stranger.get if url == "edit/" else stranger.post)(
            f"/dashboard/pos/{terminal.pk}/{url}"
        )
        assert response.status_code == 404


def test_the_invoice_list_shows_one_points_sales(terminal, create_invoice, api):
    from tests.test_links import member_client

    sold = charge(Client(), terminal, amount="7.00").json()
    other = create_invoice(price_amount="9.00")
    Invoice.objects.filter(pk=other["id"]).update(livemode=False)
    dashboard = member_client(api.merchant)
    dashboard.post("/dashboard/mode/", {"mode": "test", "next": "/dashboard/"})
    every = dashboard.get("/dashboard/invoices/").content.decode()
    assert sold["id"] in every and other["id"] in every
    only = dashboard.get(f"/dashboard/invoices/?pos={terminal.pk}").content.decode()
    assert sold["id"] in only and other["id"] not in only
    assert "Counter" in only


def test_a_leaked_link_cannot_flood_the_store(terminal, settings):
    settings.POS_CHARGE_RATE = "2/min"
    counter = Client()
    answers = [
        charge(counter, terminal, amount="1.00", key=f"press-000{n}").status_code for n in range(3)
    ]
    assert answers == [201, 201, 429]
    assert Invoice.objects.count() == 2


def test_a_double_tap_racing_itself_makes_one_invoice(postgres, terminal):
    """Two requests of one press at the same moment (a double tap, a retry after a timeout):
    the terminal's row lock lets one create, and the other replays it."""
    from tests.conftest import run_at_once

    results = run_at_once(
        6, lambda i: services.charge(slug=terminal.slug, press="press-race", amount="4.20")
    )
    assert not [r for r in results if isinstance(r, Exception)], results
    assert {payload["id"] for payload, _created in results} == {str(Invoice.objects.get().pk)}
    assert sorted(created for _payload, created in results) == [False] * 5 + [True]
