"""Payment links' reads: how many a link has sold, its invoices, its takings."""

from __future__ import annotations

from django.db.models import Q

from invoices.models import Invoice, Status
from invoices.selectors import price_totals
from links.models import PaymentLink

# Invoices that hold one of a limited quantity: sold, or still being paid.
HOLDING = (
    Status.NEW,
    Status.PENDING,
    Status.COMPLIANCE_REVIEW,
    Status.COMPLETED,
    Status.UNRESOLVED,
)


def held(*, link: PaymentLink) -> int:
    return link.made.filter(invoice__status__in=HOLDING).count()


def link_invoices(*, link: PaymentLink):
    return Invoice.objects.filter(merchant_id=link.merchant_id, link_made__link=link)


def completed_volume(*, link: PaymentLink) -> int:
    """Price units of the link's completed invoices in its currency (an invoice made before
    the link's currency was changed is in another; `price_totals` never adds the two)."""
    totals = price_totals(
        link_invoices(link=link), ["price_currency"], {"completed": Q(status=Status.COMPLETED)}
    )
    return totals[(link.price_currency,)]["completed"].units
