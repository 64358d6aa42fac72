"""The client's address, read from the proxy's header only when the operator says how many
proxies stand in front of the gateway (TRUSTED_PROXY_COUNT).

Each proxy appends the address it received the request from to X-Forwarded-For, so with N
trusted proxies the N-th entry from the right is the client as the outermost of them saw
it; anything further left was written by the client and proves nothing. Without proxies
the header is ignored and the socket's address is the client. This is the rule of Django
REST framework's NUM_PROXIES (which the settings give the same number) and Werkzeug's
ProxyFix; django-ipware is not used: its proxy count means something else in each major
version, and its 8.x answers no address at all for an honest client behind one proxy.
"""

from django.conf import settings


def client_ip(request) -> str | None:
    """Used by django-axes (AXES_CLIENT_IP_CALLABLE) for login throttling and by the rate
    limits (merchants.throttling)."""
    remote = request.META.get("REMOTE_ADDR")
    count = settings.TRUSTED_PROXY_COUNT
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if count <= 0 or not forwarded.strip():
        return remote
    hops = [hop.strip() for hop in forwarded.split(",")]
    return hops[-min(count, len(hops))] or remote
