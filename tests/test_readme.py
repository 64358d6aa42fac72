"""The README works when pasted: its blocks marked `<!-- readme-test: NAME -->` run here, in
order, against a live gateway (the curl walkthrough and the resolve snippet on the demo,
create_merchant with production settings, the callback verifier), and its settings table
lists exactly the environment variables config/settings.py reads."""

import json
import re
import subprocess
import time

import pytest

from tests.live import ROOT
from webhooks.dialects import signature_header

README = (ROOT / "README.md").read_text()
MARKED = re.compile(r"^<!-- readme-test: (\w+) -->\n```(\w+)\n(.*?)\n```$", re.M | re.S)
DEMO_URL = "http://127.0.0.1:8000"  # where the README's commands expect `make demo`


def blocks(name: str) -> list[str]:
    found = [code for marked, _, code in MARKED.findall(README) if marked == name]
    assert found, f"no README block is marked readme-test: {name}"
    return found


def run_bash(script: str, cwd, env) -> str:
    done = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def json_documents(output: str) -> list[dict]:
    """Every JSON object the commands printed, in order (curl prints them back to back)."""
    decoder, documents, at = json.JSONDecoder(), [], 0
    while (at := output.find("{", at)) != -1:
        document, end = decoder.raw_decode(output, at)
        documents.append(document)
        at = end
    return documents


@pytest.fixture
def demo_gateway(live_gateway, tmp_path):
    gateway = live_gateway()
    gateway.manage("demo", "--key-file", str(tmp_path / "var" / "demo-api-key"))
    gateway.start_web()
    gateway.wait_until_up()
    return gateway


def test_the_curl_walkthrough_and_the_resolve_snippet_run_on_the_demo(demo_gateway, tmp_path):
    script = "\n".join(blocks("demo")).replace(DEMO_URL, demo_gateway.url)
    documents = json_documents(run_bash(script, tmp_path, demo_gateway.env))
    assert not [doc for doc in documents if "error" in doc], documents
    created, paid, shown, second, overpaid, refund = documents
    assert created["status"] == "new" and created["pay_amount"] == "25.000000"
    assert paid["status"] == "completed"
    assert shown["id"] == created["id"] and shown["status"] == "completed"
    assert shown["transactions"][0]["confirmations"] >= 1
    assert overpaid["status"] == "unresolved" and overpaid["status_context"] == "overpaid"
    assert refund["amount"] == "15.000000" and refund["claim_url"].startswith(demo_gateway.url)
    status, after = demo_gateway.request(
        "GET",
        f"/api/v1/invoices/{second['id']}",
        key=(tmp_path / "var" / "demo-api-key").read_text().strip(),
    )
    assert (status, after["status"]) == (200, "completed")


def test_create_merchant_runs_with_the_production_settings(live_gateway):
    gateway = live_gateway(SANDBOX="0", DEBUG=None)
    (command,) = blocks("production")
    created = json.loads(run_bash(command, ROOT, gateway.env))
    assert set(created) == {"merchant_id", "api_key"}
    gateway.start_web()
    gateway.wait_until_up()
    status, merchant = gateway.request("GET", "/api/v1/merchant", key=created["api_key"])
    assert (status, merchant["name"]) == (200, "Acme Ltd")


def test_the_callback_verifier_accepts_a_real_signature_and_refuses_others():
    (code,) = blocks("python")
    namespace = {}
    exec(code, namespace)  # the README's own snippet
    verify = namespace["verify_callback"]
    body = b'{"id":"e1","event":"status_changed"}'
    header = signature_header(["secret-new", "secret-old"], int(time.time()), body)
    assert verify(body, header, "secret-old")["id"] == "e1"
    with pytest.raises(ValueError, match="bad signature"):
        verify(body, header, "another secret")
    stale = signature_header(["secret-new"], int(time.time()) - 600, body)
    with pytest.raises(ValueError, match="stale signature"):
        verify(body, stale, "secret-new")


def test_the_settings_table_lists_every_variable_the_settings_read():
    source = (ROOT / "config" / "settings.py").read_text()
    read = set(re.findall(r'(?:environ\.get|env_bool|env_list)\(\s*"([A-Z0-9_]+)"', source))
    read |= set(re.findall(r'environ\["([A-Z0-9_]+)"\]', source))
    table = README.split("## Settings (environment variables)", 1)[1].split("\n\n", 2)[1]
    rows = [
        name
        for row in table.splitlines()[2:]
        for name in re.findall(r"`([A-Z0-9_]+)`", row.split("|")[1])
    ]
    listed = set(rows)
    assert read, "found no variables in config/settings.py"
    assert sorted(name for name in listed if rows.count(name) > 1) == [], "listed twice"
    assert sorted(read - listed) == [], "read by the settings, missing from the README"
    assert sorted(listed - read) == [], "in the README, not read by the settings"
