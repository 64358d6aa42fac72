"""Invitation links: the token is an HMAC the sender can recompute, so the table keeps only
its hash."""

import hashlib

from django.conf import settings
from django.urls import reverse
from django.utils.crypto import salted_hmac


def invite_token(invite) -> str:
    """The token of an invitation link: an HMAC of the invitation's id and creation time
    with the SECRET_KEY, so the sender can recompute it and the table keeps only its hash."""
    return salted_hmac(
        "merchants.invite", f"{invite.pk}:{invite.created_at.isoformat()}", algorithm="sha256"
    ).hexdigest()


def invite_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invite_link(invite) -> str:
    path = reverse("dashboard:accept_invite", args=[invite_token(invite)])
    return f"{settings.PUBLIC_URL}{path}"
