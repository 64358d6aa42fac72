"""The Collect page (issue 28): what waits in forwarder deposit addresses per network and
token, with the gas a collection costs now, a "Collect with your wallet" button (the
gateway builds the call, the merchant's EIP-1193 wallet signs it) and past collections."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from chains import registry
from dashboard.access import member_required
from invoices import money
from merchants import collecting
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
def collect(request):
    merchant = request.merchant
    networks = []
    for setting in merchant.forwarder_payouts.order_by("network"):
        chain = registry.get_network(setting.network)
        if chain is None or not chain.forwarder_factory:
            continue
        found = collecting.waiting(merchant=merchant, network=setting.network)
        networks.append(
            {
                "network": chain,
                "payout": setting.payout,
                "plans": [_plan_row(plan) for plan in found.plans],
                "refused": found.refused,
            }
        )
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
def collect_record(request):
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
