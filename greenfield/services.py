"""The authorize flow's one write: a key with exactly the approved permissions."""

from __future__ import annotations

from django.db import transaction

from greenfield import mapping
from greenfield.authorize import Request
from greenfield.models import Grant
from merchants.auth import parse_key
from merchants.models import LIVE, TEST, Merchant, MerchantAPIKey
from merchants.services import create_api_key


def grant_key(*, merchant: Merchant, request: Request, livemode: bool, actor: str) -> str:
    """Create the key (the narrowest of our scopes holding the permissions) and record what
    it was granted; returns it in clear, to send to the application once."""
    scope = mapping.scope_for(list(request.permissions))
    assert scope is not None  # authorize.parse admits only permissions a scope holds
    with transaction.atomic():
        key = create_api_key(
            merchant=merchant,
            name=request.application[:50],
            mode=LIVE if livemode else TEST,
            scope=scope,
            actor=actor,
        )
        prefix, _ = parse_key(key)
        Grant.objects.create(
            key=MerchantAPIKey.objects.get(merchant=merchant, prefix=prefix),
            permissions=list(request.permissions),
            application=request.application,
            application_identifier=request.identifier,
        )
    return key
