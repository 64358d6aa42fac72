"""Issue 28: "Collect with your wallet" in a real Chromium. The page's EIP-1193 provider is
injected and backed by anvil's unlocked account 0 (eth_requestAccounts, eth_chainId and
eth_sendTransaction forwarded to the node), as a browser wallet would sign and send."""

from __future__ import annotations

import json

import requests

from merchants.models import Collection
from tests.test_dashboard_browser import log_in, make_user
from tests.test_forwarder_mode import fshop, pay  # noqa: F401 (a fixture)

pytest_plugins = ["tests.browser"]

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips (or fails under CI) with the reason
    expect = None

PROVIDER = """
window.ethereum = {
  request: async ({ method, params }) => {
    if (method === "eth_requestAccounts") method = "eth_accounts";
    const body = JSON.stringify({ method, params: params || [] });
    const answer = JSON.parse(await window.anvilRpc(body));
    if (answer.error) throw new Error(answer.error.message);
    return answer.result;
  },
};
"""


def test_collect_with_the_browser_wallet(fshop, page):  # noqa: F811
    node = fshop.node

    def rpc(body: str) -> str:
        call = {"jsonrpc": "2.0", "id": 1, **json.loads(body)}
        return requests.post(node.rpc_url, json=call, timeout=30).text

    page.expose_function("anvilRpc", rpc)
    page.add_init_script(PROVIDER)
    invoices = [fshop.invoice("USDT"), fshop.invoice("ETH"), fshop.invoice("USDC")]
    for invoice in invoices:
        pay(fshop, invoice)
    make_user(fshop.client.merchant, "owner@shop.example")
    log_in(page, "owner@shop.example")
    page.goto("/dashboard/collect/")
    expect(page.locator(".collect-plan")).to_contain_text("30.000000 USDT")
    expect(page.locator(".collect-plan")).to_contain_text("in 3 addresses")
    expect(page.get_by_text("it cannot send anyone your money")).to_be_visible()
    page.get_by_role("button", name="Collect with your wallet").click()
    expect(page.locator(".alert-success")).to_contain_text("Collection sent")
    [collection] = Collection.objects.all()
    assert collection.sent_by == Collection.WALLET
    assert sorted(collection.addresses) == sorted(i["address"] for i in invoices)
    assert node.token.functions.balanceOf(fshop.payout).call() == 30_000_000
    assert node.nobool.functions.balanceOf(fshop.payout).call() == 30_000_000
    assert node.w3.eth.get_balance(fshop.payout) == 10**16
    expect(page.locator(".collections")).to_contain_text(collection.txid)
    assert page.problems == []
