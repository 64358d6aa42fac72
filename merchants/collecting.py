"""Collecting what waits in forwarder deposit addresses (issue 28): one `collect` call of
the factory for many addresses, built here and sent either with the operator's gas-only
COLLECTOR_KEY or by the merchant's browser wallet.

The collector key can pay fees; it cannot send anyone the merchant's money: every deposit
address is a forwarder that can only pay the payout its address was computed from. Before
any call is built each deposit's address is computed again from (factory, payout, salt):
a row that does not match (its payout changed after the address was handed out) is
refused, logged and shown, never collected.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.core import signing

from chains import forwarders, registry
from chains.backends import get_backend
from chains.registry import Network
from merchants.models import Collection, ForwarderDeposit, Merchant

logger = logging.getLogger(__name__)


@dataclass
class Plan:
    """What one `collect` call to `payout` would sweep on `network`."""

    network: Network
    payout: str
    balances: dict[str, dict[str, int]] = field(default_factory=dict)  # address → asset → units
    salts: list[int] = field(default_factory=list)
    tokens: list[str] = field(default_factory=list)  # contracts with something to sweep
    gas: int | None = None  # the node's estimate, None until estimated

    @property
    def totals(self) -> dict[str, int]:
        totals: dict[str, int] = {}
        for held in self.balances.values():
            for asset, units in held.items():
                totals[asset] = totals.get(asset, 0) + units
        return totals

    @property
    def calldata(self) -> str:
        return "0x" + forwarders.collect_calldata(self.payout, self.salts, self.tokens).hex()


@dataclass
class Waiting:
    """Per network: the collect calls to make, and the deposits refused for a mismatch."""

    plans: list[Plan]
    refused: list[ForwarderDeposit]


def matches(deposit: ForwarderDeposit, network: Network) -> bool:
    """Is the stored address the one (factory, payout, salt) computes, under the network's
    configured factory? Only then may it be collected."""
    return bool(network.forwarder_factory) and (
        forwarders.to_checksum_address(network.forwarder_factory) == deposit.factory
        and forwarders.deposit_address(deposit.factory, deposit.payout, deposit.salt)
        == deposit.address
    )


def waiting(*, merchant: Merchant, network: str) -> Waiting:
    """What waits in the merchant's deposit addresses on `network`, read from the node, as
    one plan per payout (a payout changed later keeps its own addresses), with gas
    estimates."""
    chain = registry.get_network(network)
    deposits = list(ForwarderDeposit.objects.filter(merchant=merchant, network=network))
    refused = [d for d in deposits if not matches(d, chain)]
    for deposit in refused:
        logger.error(
            "forwarder deposit %s on %s refused: its address is not the one its payout %s "
            "and salt %s compute",
            deposit.address,
            network,
            deposit.payout,
            deposit.salt,
        )
    rpc = get_backend(chain).rpc
    plans: dict[str, Plan] = {}
    valid = [d for d in deposits if d not in refused]
    calls: list[tuple[str, list]] = []
    for deposit in valid:
        calls.append(("eth_getBalance", [deposit.address, "latest"]))
        for token in chain.tokens:
            data = "0x" + forwarders.balance_of_calldata(deposit.address).hex()
            calls.append(("eth_call", [{"to": token.contract, "data": data}, "latest"]))
    answers = iter(rpc.batch(calls))
    for deposit in valid:
        held = {chain.native: int(next(answers), 16)}
        for token in chain.tokens:
            held[token.code] = int(next(answers), 16)
        held = {asset: units for asset, units in held.items() if units}
        if not held:
            continue
        plan = plans.setdefault(deposit.payout, Plan(chain, deposit.payout))
        plan.balances[deposit.address] = held
        plan.salts.append(deposit.salt)
        for token in chain.tokens:
            if token.code in held and token.contract not in plan.tokens:
                plan.tokens.append(token.contract)
    for plan in plans.values():
        plan.gas = int(rpc.call("eth_estimateGas", _call(plan, plan.payout)), 16)
    return Waiting(list(plans.values()), refused)


def _call(plan: Plan, sender: str) -> dict:
    return {"from": sender, "to": plan.network.forwarder_factory, "data": plan.calldata}


def record(*, merchant: Merchant, plan: Plan, txid: str, sent_by: str) -> Collection:
    """Record a sent collection: its addresses and the amounts it sweeps."""
    return Collection.objects.create(
        merchant=merchant,
        network=plan.network.code,
        txid=txid,
        payout=plan.payout,
        addresses=list(plan.balances),
        amounts={asset: str(units) for asset, units in plan.totals.items()},
        sent_by=sent_by,
        gas_estimate=plan.gas,
    )


SIGNING_SALT = "forwarder-collection"


def signed_plan(plan: Plan) -> str:
    """The plan a page hands the merchant's wallet, signed, so the txid the page sends back
    is recorded with what the gateway built, not with what the browser says."""
    return signing.dumps(
        {
            "network": plan.network.code,
            "payout": plan.payout,
            "addresses": list(plan.balances),
            "amounts": {asset: str(units) for asset, units in plan.totals.items()},
            "calldata": plan.calldata,
            "gas": plan.gas,
        },
        salt=SIGNING_SALT,
    )


class NotOurCollection(ValueError):
    """The transaction is not the signed plan's collect call."""


def record_from_wallet(*, merchant: Merchant, token: str, txid: str) -> Collection:
    """Record a collection the merchant's wallet sent: the transaction must be the signed
    plan's call to the network's factory (same input), else NotOurCollection."""
    try:
        plan = signing.loads(token, salt=SIGNING_SALT, max_age=24 * 3600)
    except signing.BadSignature as exc:
        raise NotOurCollection("the collection plan is not one this gateway made") from exc
    chain = registry.get_network(plan["network"])
    tx = get_backend(chain).rpc.call("eth_getTransactionByHash", txid)
    if (
        not tx
        or (tx.get("to") or "").lower() != chain.forwarder_factory.lower()
        or tx.get("input") != plan["calldata"]
    ):
        raise NotOurCollection(f"{txid} is not this plan's collect call")
    return Collection.objects.create(
        merchant=merchant,
        network=chain.code,
        txid=txid,
        payout=plan["payout"],
        addresses=plan["addresses"],
        amounts=plan["amounts"],
        sent_by=Collection.WALLET,
        gas_estimate=plan["gas"],
    )


def send_with_collector(*, merchant: Merchant, plan: Plan) -> Collection:
    """Sign and send the plan's call with COLLECTOR_KEY (which only pays the gas)."""
    from eth_account import Account  # signing only; most processes never sign

    collector = Account.from_key(settings.COLLECTOR_KEY)
    rpc = get_backend(plan.network).rpc
    gas = int(rpc.call("eth_estimateGas", _call(plan, collector.address)), 16)
    tx = {
        "to": plan.network.forwarder_factory,
        "data": plan.calldata,
        "value": 0,
        "gas": gas + gas // 5,  # a margin: balances can grow between estimate and block
        "gasPrice": int(rpc.call("eth_gasPrice"), 16),
        "nonce": int(rpc.call("eth_getTransactionCount", collector.address, "pending"), 16),
        "chainId": plan.network.chain_id,
    }
    raw = collector.sign_transaction(tx).raw_transaction
    txid = rpc.call("eth_sendRawTransaction", "0x" + raw.hex())
    return record(merchant=merchant, plan=plan, txid=txid, sent_by=Collection.COLLECTOR)


def worth_collecting(
    plan: Plan, *, min_balance: dict[str, str], gas_price: int, max_gas_gwei: str
) -> bool:
    """The automatic rule: gas at most `max_gas_gwei` and some asset holding at least its
    minimum (decimal strings per asset code; an asset without one counts from any amount)."""
    if Decimal(gas_price) > Decimal(max_gas_gwei) * 10**9:
        return False
    for asset, units in plan.totals.items():
        decimals = next(a.decimals for a in plan.network.assets if a.code == asset)
        if units >= Decimal(min_balance.get(asset, "0")) * 10**decimals:
            return True
    return False


def collect_automatically() -> list[Collection]:
    """With a COLLECTOR_KEY: every merchant's plan on every forwarder network that the rule
    allows is sent, and earlier collections are reconciled. One failing network does not
    stop the others."""
    from merchants.models import ForwarderPayout

    for collection in Collection.objects.filter(status=Collection.SENT):
        reconcile(collection)
    if not settings.COLLECTOR_KEY:
        return []
    sent = []
    for setting in ForwarderPayout.objects.select_related("merchant"):
        try:
            chain = registry.get_network(setting.network)
            gas_price = int(get_backend(chain).rpc.call("eth_gasPrice"), 16)
            for plan in waiting(merchant=setting.merchant, network=setting.network).plans:
                if worth_collecting(
                    plan,
                    min_balance=settings.COLLECT_MIN_BALANCE,
                    gas_price=gas_price,
                    max_gas_gwei=settings.COLLECT_MAX_GAS_GWEI,
                ):
                    sent.append(send_with_collector(merchant=setting.merchant, plan=plan))
        except Exception:
            logger.exception("collecting on %s failed; it is retried next time", setting.network)
    return sent


def reconcile(collection: Collection) -> Collection:
    """The chain's verdict on a sent collection: confirmed (with the gas it used) or failed;
    still sent while the receipt is missing."""
    rpc = get_backend(registry.get_network(collection.network)).rpc
    receipt = rpc.call("eth_getTransactionReceipt", collection.txid)
    if receipt is None:
        return collection
    collection.gas_used = int(receipt["gasUsed"], 16)
    ok = int(receipt["status"], 16) == 1
    collection.status = Collection.CONFIRMED if ok else Collection.FAILED
    collection.save(update_fields=["gas_used", "status"])
    return collection
