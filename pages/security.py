"""Response headers of the payer's pages: a strict Content-Security-Policy (scripts, styles
and images from this server only, no inline script or style) and framing only by the hosts a
merchant allowed for embedding."""

from __future__ import annotations

import re
from functools import wraps
from urllib.parse import urlsplit

_SOURCE = re.compile(r"(?:https?://)?(?:\*\.)?(?:[a-z0-9-]+\.)*[a-z0-9-]+(?::\d{1,5})?", re.I)


def embed_sources(hosts) -> list[str]:
    """The merchant's embed hosts as CSP sources ("shop.example" → "https://shop.example").
    Anything but a host, optionally with scheme, wildcard subdomain or port, is dropped: a
    setting must not be able to write policy."""
    sources = []
    for host in hosts or ():
        host = str(host).strip()
        if _SOURCE.fullmatch(host):
            sources.append(host if "://" in host else f"https://{host}")
    return sources


def image_origin(url: str) -> str | None:
    """The origin of an https image (the merchant's logo), to allow it and nothing else."""
    parts = urlsplit(url or "")
    if parts.scheme == "https" and parts.hostname and _SOURCE.fullmatch(parts.netloc):
        return f"https://{parts.netloc}"
    return None


def policy(frame_ancestors: list[str], images: list[str]) -> str:
    ancestors = (
        " ".join(dict.fromkeys(["'self'", *frame_ancestors])) if frame_ancestors else "'none'"
    )
    return "; ".join(
        [
            "default-src 'none'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src " + " ".join(["'self'", *images]),
            "connect-src 'self'",
            "form-action 'self'",
            "base-uri 'none'",
            f"frame-ancestors {ancestors}",
        ]
    )


def protect(view):
    """Set the policy from what the view put on the response: `frame_ancestors` (embedding
    allowed; then X-Frame-Options is left off, CSP alone decides) and `image_sources`."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        ancestors = getattr(response, "frame_ancestors", [])
        response["Content-Security-Policy"] = policy(
            ancestors, getattr(response, "image_sources", [])
        )
        if ancestors:
            response.xframe_options_exempt = True
        return response

    return wrapped
