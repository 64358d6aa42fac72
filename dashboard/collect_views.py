"""The Collect page (issue 28): what waits in forwarder deposit addresses per network and
token, with the gas a collection costs now, a "Collect with your wallet" button (the
gateway builds the call, the merchant's EIP-1193 wallet signs it) and past collections."""

from __future__ import annotations

import requests
from django.contrib import messages
from django.http import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from chains import registry
from chains.backends.jsonrpc import RPCError
from core.errors import GatewayError
from dashboard import errors
from dashboard.access import MemberRequest, actor, member_required
from invoices import money
from merchants import collecting, services
from merchants.models import Collection

SHOWN_COLLECTIONS = 20


def _plan_row(plan: collecting.Plan) -> dict:
    decimals = {asset.code: asset.decimals for asset in plan.network.assets}
    return {
        "plan": plan,
        "totals": [
            (asset, money.format_units(units, decimals[asset]))
            for asset, units in sorted(plan.totals.items())
        ],
        "token": collecting.signed_plan(plan),
    }


@require_GET
@member_required
def collect(request: MemberRequest) -> HttpResponseBase:
    merchant = request.merchant
    payouts = dict(merchant.forwarder_payouts.values_list("network", "payout"))
    networks = []
    for chain in registry.all_networks().values():
        if chain.kind != "evm" or not chain.forwarder_factory or not chain.enabled:
            continue
        row = {"network": chain, "payout": payouts.get(chain.code, ""), "plans": []}
        if row["payout"]:
            try:
                found = collecting.waiting(merchant=merchant, network=chain.code)
            except (requests.RequestException, RPCError) as exc:
                row["unavailable"] = str(exc)
            else:
                row["plans"] = [_plan_row(plan) for plan in found.plans]
                row["refused"] = found.refused
        networks.append(row)
    return render(
        request,
        "dashboard/collect.html",
        {
            "networks": networks,
            "collections": Collection.objects.filter(merchant=merchant).order_by("-created_at")[
                :SHOWN_COLLECTIONS
            ],
            "section": "collect",
        },
    )


@require_POST
@member_required
def collect_record(request: MemberRequest) -> HttpResponseBase:
    """The wallet sent the call: record it (the page posts the txid and the signed plan)."""
    try:
        collecting.record_from_wallet(
            merchant=request.merchant,
            token=request.POST.get("plan", ""),
            txid=request.POST.get("txid", "").strip(),
        )
    except collecting.NotOurCollection as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Collection sent; it is reconciled once mined."))
    return redirect("dashboard:collect")


@require_POST
@member_required
def collect_payout(request: MemberRequest, network: str) -> HttpResponseBase:
    """Forwarder mode on (a payout address) or off (empty) for one network; addresses
    already handed out keep the payout they were computed for."""
    try:
        services.set_forwarder_payout(
            merchant=request.merchant,
            network=network,
            payout=request.POST.get("payout", ""),
            actor=actor(request),
        )
    except GatewayError as exc:
        messages.error(request, errors.message(exc))
    else:
        messages.success(request, _("Payout address saved."))
    return redirect("dashboard:collect")
