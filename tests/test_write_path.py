"""The one write path (invoices/services/writes.py): `change_status` writes the status and
nothing else, with its event; `lock_invoice`'s order; and two lints over the source: nothing
outside `invoices.services` assigns a status, and no module imports another's private name
from `invoices.services`."""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

import pytest
from django.db import transaction
from django.utils import timezone

from invoices.models import Event, Invoice
from invoices.services import merchant_actions
from invoices.services.writes import change_status, in_lock_order, lock_invoice

ROOT = Path(__file__).resolve().parent.parent
SERVICES = ROOT / "invoices" / "services"
PRODUCT = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"][
    "root_packages"
]
STATUS_FIELDS = {"status", "status_context", "status_changed_at"}


def test_change_status_saves_the_status_only_and_records_its_event(api, create_invoice):
    invoice_id = create_invoice()["id"]
    now = timezone.now()
    with transaction.atomic():
        invoice = lock_invoice(invoice_id)
        invoice.archived, invoice.review_decision = True, "approved"  # not the status's
        change_status(invoice, "cancelled", None, actor="test", now=now)
    saved = Invoice.objects.get(pk=invoice_id)
    assert (saved.status, saved.status_context, saved.status_changed_at) == (
        "cancelled",
        None,
        now,
    )
    assert (saved.archived, saved.review_decision) == (False, "")
    [event] = Event.objects.filter(invoice_id=invoice_id)
    assert (event.type, event.actor, event.data["status"]) == (
        "status_changed",
        "test",
        "cancelled",
    )


def test_a_declined_review_saves_its_decision_itself(make_merchant, create_invoice):
    client = make_merchant(deny_list=["sbx1qbadguy"])
    invoice = create_invoice(client, pay_currency="USDT", network="sandbox")
    paid = client.post(
        f"/api/v1/sandbox/invoices/{invoice['id']}/pay", {"sender": "sbx1qbadguy"}, format="json"
    ).json()
    assert paid["status"] == "compliance_review"
    merchant_actions.review(invoice_id=invoice["id"], action="decline", actor="test")
    saved = Invoice.objects.get(pk=invoice["id"])
    assert (saved.status, saved.review_decision) == ("declined", "declined")


def test_invoices_are_locked_in_the_databases_primary_key_order(api, create_invoice):
    ids = [Invoice.objects.get(pk=create_invoice()["id"]).pk for _ in range(6)]
    by_database = list(Invoice.objects.order_by("pk").values_list("pk", flat=True))
    assert in_lock_order(reversed(ids)) == by_database


# --- lints ------------------------------------------------------------------------------------


def product_modules():
    for package in PRODUCT:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path


def status_writes(source: str) -> set[int]:
    """Lines that write an object's status outside its own class (`x.status = …`, in a
    tuple or augmented assignment too, `setattr(x, "status", …)`), or a queryset's
    (`.update(status=…)`, a `save`/`bulk_update` naming a status field)."""
    lines = set()
    for node in ast.walk(ast.parse(source)):
        targets = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, ast.AugAssign | ast.AnnAssign):
            targets = [node.target]
        for target in targets:
            for leaf in target.elts if isinstance(target, ast.Tuple) else [target]:
                if (
                    isinstance(leaf, ast.Attribute)
                    and leaf.attr in STATUS_FIELDS
                    and not (isinstance(leaf.value, ast.Name) and leaf.value.id == "self")
                ):
                    lines.add(node.lineno)
        if isinstance(node, ast.Call):
            name = getattr(node.func, "attr", getattr(node.func, "id", ""))
            named = {k.arg for k in node.keywords} | {
                getattr(c, "value", None)
                for k in node.keywords
                if k.arg == "update_fields"
                for c in getattr(k.value, "elts", [])
            }
            if name == "setattr" and len(node.args) > 1:
                named.add(getattr(node.args[1], "value", None))
            if name == "bulk_update" and len(node.args) > 1:
                named |= {getattr(c, "value", None) for c in getattr(node.args[1], "elts", [])}
            if name in ("update", "save", "setattr", "bulk_update") and named & STATUS_FIELDS:
                lines.add(node.lineno)
    return lines


@pytest.mark.parametrize(
    "source",
    [
        "invoice.status = 'completed'",
        "invoice.status, invoice.status_context = 'unresolved', 'overpaid'",
        "Invoice.objects.filter(pk=1).update(status='expired')",
        "invoice.save(update_fields=['status_changed_at'])",
        "setattr(invoice, 'status', 'new')",
        "Invoice.objects.bulk_update(rows, ['status'])",
    ],
)
def test_the_status_lint_finds_a_write(source):
    assert status_writes(source) == {1}


def test_the_status_lint_passes_reads_and_an_objects_own_attributes():
    assert status_writes("self.status = status\nok = invoice.status == 'new'\n") == set()
    assert status_writes("Invoice.objects.filter(status='new').update(archived=True)") == set()


# The layers below `invoices` cannot import it (pyproject's import contract), so a status
# they write is their own models' (a collection's), never an invoice's.
BELOW_INVOICES = {"merchants", "chains", "core"}


def test_nothing_outside_the_services_writes_a_status():
    offences = [
        f"{path.relative_to(ROOT)}:{line}"
        for path in product_modules()
        if SERVICES not in path.parents and path.relative_to(ROOT).parts[0] not in BELOW_INVOICES
        for line in sorted(status_writes(path.read_text()))
    ]
    assert offences == [], "a status is written only by invoices/services (writes.py)"


def test_no_module_imports_a_private_name_of_another_service_module():
    offences = []
    for path in [*product_modules(), *sorted((ROOT / "tests").glob("*.py"))]:
        own = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.ImportFrom)
                and (node.module or "").startswith("invoices.services")
                and node.module != own
            ):
                offences += [
                    f"{own}: {alias.name}" for alias in node.names if alias.name.startswith("_")
                ]
    assert offences == [], "what service modules share is public; the rest stays in its module"
