"""Backups: `manage.py backup` copies the SQLite database of a running gateway, and a gateway
started on the copy has every invoice and event."""

import subprocess

import pytest

from tests.live import BIN, ROOT


@pytest.fixture
def gateway(live_gateway, tmp_path):
    return live_gateway(tmp_path / "live", CALLBACKS_ALLOW_PRIVATE="1")


def test_a_restored_backup_has_every_invoice_and_event(gateway, live_gateway, tmp_path):
    key = gateway.create_merchant()
    gateway.start_web()
    gateway.wait_until_up()
    ids = []
    for amount in ("5", "10", "15"):
        status, invoice = gateway.request(
            "POST",
            "/api/v1/invoices",
            {
                "price_amount": amount,
                "price_currency": "USD",
                "pay_currency": "USDT",
                "network": "sandbox",
            },
            key,
        )
        assert status == 201, invoice
        ids.append(invoice["id"])
    status, _ = gateway.request(
        "POST", f"/api/v1/sandbox/invoices/{ids[0]}/pay", {"confirm": True}, key
    )
    assert status == 200
    assert gateway.request("POST", f"/api/v1/invoices/{ids[1]}/cancel", {}, key)[0] == 200
    _, events = gateway.request("GET", "/api/v1/events?limit=100", key=key)
    event_ids = {event["id"] for event in events["data"]}
    assert len(event_ids) == 5  # four of the payment, one of the cancellation

    restored_folder = tmp_path / "restored"
    restored_folder.mkdir()
    out = gateway.manage("backup", str(restored_folder / "gateway.sqlite3"))  # while running
    assert out.startswith("backed up to")
    assert not (restored_folder / "gateway.sqlite3-wal").exists()

    restored = live_gateway(restored_folder, migrated=False)
    restored.start_web()
    restored.wait_until_up()
    _, invoices = restored.request("GET", "/api/v1/invoices?limit=100", key=key)
    assert sorted(invoice["id"] for invoice in invoices["data"]) == sorted(ids)
    statuses = {invoice["id"]: invoice["status"] for invoice in invoices["data"]}
    assert (statuses[ids[0]], statuses[ids[1]], statuses[ids[2]]) == (
        "completed",
        "cancelled",
        "new",
    )
    _, events = restored.request("GET", "/api/v1/events?limit=100", key=key)
    assert {event["id"] for event in events["data"]} == event_ids


def test_backup_refuses_to_overwrite_the_database_itself(gateway):
    done = subprocess.run(
        [str(BIN / "python"), "manage.py", "backup", str(gateway.folder / "gateway.sqlite3")],
        cwd=ROOT,
        env=gateway.env,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 1
    assert "cannot replace the database itself" in done.stderr
