"""A client generated from the served schema works without hand edits: the README's
walkthrough against a live server with typed objects only, and clients/python is what a
fresh generation gives (`make client` regenerates it)."""

import filecmp
import importlib
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from invoices import rates
from merchants.models import TEST
from merchants.services import create_merchant

ROOT = Path(__file__).resolve().parents[1]
COMMITTED = ROOT / "clients" / "python"

# One worker generates the client once for all (pytest-xdist).
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.xdist_group("openapi_client")]


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    """A fresh generation, as `make client` does it, into a temporary folder."""
    output = tmp_path_factory.mktemp("client") / "python"
    run = subprocess.run(
        ["bash", str(ROOT / "scripts" / "generate-client.sh"), str(output)],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    return output


@pytest.fixture
def gateway(generated, live_server):
    """The generated package, imported from the temporary folder, and a client for a new
    merchant's key on the live server."""
    sys.path.insert(0, str(generated))
    try:
        package = importlib.import_module("cryptogate_client")
        assert Path(package.__file__).is_relative_to(generated)
        rates.refresh_rates()
        _, key = create_merchant(name="Client Shop", mode=TEST)  # the sandbox is test mode
        with package.AuthenticatedClient(
            base_url=live_server.url, token=key, raise_on_unexpected_status=True
        ) as client:
            yield package, client
    finally:
        sys.path.remove(str(generated))
        for name in [name for name in sys.modules if name.startswith("cryptogate_client")]:
            del sys.modules[name]


def test_the_walkthrough_runs_on_typed_objects(gateway):
    package, client = gateway
    from cryptogate_client.api.invoices import cancel_invoice, create_invoice, get_invoice
    from cryptogate_client.api.sandbox import pay_sandbox_invoice
    from cryptogate_client.models import (
        Error,
        Invoice,
        InvoiceCreateRequest,
        InvoiceKind,
        InvoiceStatus,
        SandboxPayRequest,
        TransactionStatus,
    )

    created = create_invoice.sync(
        client=client,
        idempotency_key="walkthrough-1",
        body=(
            InvoiceCreateRequest(
                price_amount="25.00",
                price_currency="USD",
                pay_currency="USDT",
                network="sandbox",
                foreign_id="order-1",
            )
        ),
    )
    assert isinstance(created, Invoice)
    assert (created.kind, created.status, created.pay_amount) == (
        InvoiceKind.FIXED,
        InvoiceStatus.NEW,
        "25.000000",
    )

    paid = pay_sandbox_invoice.sync(created.id, client=client, body=SandboxPayRequest(confirm=True))
    assert isinstance(paid, Invoice)

    invoice = get_invoice.sync(created.id, client=client)
    assert invoice.status == InvoiceStatus.COMPLETED
    transaction = invoice.transactions[0]
    assert transaction.status == TransactionStatus.CONFIRMED
    assert transaction.confirmations >= transaction.required_confirmations
    assert transaction.amount == "25.000000" and invoice.remaining_amount == "0.000000"

    missing = get_invoice.sync_detailed(uuid.uuid4(), client=client)
    assert missing.status_code == 404 and isinstance(missing.parsed, Error)
    assert missing.parsed.error.code == "not_found"

    taken = create_invoice.sync_detailed(
        client=client,
        body=InvoiceCreateRequest(price_amount="1", price_currency="USD", foreign_id="order-1"),
    )
    assert taken.status_code == 409 and taken.parsed.error.code == "foreign_id_taken"
    assert taken.parsed.error.param == "foreign_id"

    completed = cancel_invoice.sync_detailed(created.id, client=client)
    assert completed.status_code == 409 and completed.parsed.error.code == "invalid_state"


def test_resolve_answers_a_typed_refund_or_invoice(gateway):
    package, client = gateway
    from cryptogate_client.api.invoices import create_invoice, resolve_invoice
    from cryptogate_client.api.sandbox import pay_sandbox_invoice
    from cryptogate_client.models import (
        Invoice,
        InvoiceCreateRequest,
        InvoiceStatus,
        Refund,
        ResolveAction,
        ResolveRequest,
        SandboxPayRequest,
        StatusContext,
    )

    def overpaid():
        invoice = create_invoice.sync(
            client=client,
            body=InvoiceCreateRequest(
                price_amount="100", price_currency="USD", pay_currency="USDT", network="sandbox"
            ),
        )
        invoice = pay_sandbox_invoice.sync(
            invoice.id, client=client, body=SandboxPayRequest(amount="130", confirm=True)
        )
        assert (invoice.status, invoice.status_context) == (
            InvoiceStatus.UNRESOLVED,
            StatusContext.OVERPAID,
        )
        return invoice

    refund = resolve_invoice.sync(
        overpaid().id, client=client, body=ResolveRequest(action=ResolveAction.REFUND)
    )
    assert isinstance(refund, Refund) and refund.amount == "130.000000"
    completed = resolve_invoice.sync(
        overpaid().id, client=client, body=ResolveRequest(action=ResolveAction.COMPLETE)
    )
    assert isinstance(completed, Invoice) and completed.status == InvoiceStatus.COMPLETED


def test_the_committed_client_is_up_to_date(generated):
    """Fails when the API changed without `make client`."""
    differences = _differences(filecmp.dircmp(COMMITTED, generated, ignore=["__pycache__"]))
    assert differences == [], "clients/python is stale: run `make client`"


def _differences(comparison, prefix=""):
    found = [
        f"{prefix}{name}"
        for name in (comparison.left_only + comparison.right_only + comparison.diff_files)
    ]
    for name, sub in comparison.subdirs.items():
        found += _differences(sub, f"{prefix}{name}/")
    return found
