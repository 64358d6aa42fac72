"""API authentication: `Authorization: Bearer <key>` resolves to the key's merchant; the
key's scope decides what it may do."""

from django.conf import settings
from django.utils import timezone
from rest_framework import authentication, exceptions, permissions

from core.errors import ErrorCode, GatewayError
from merchants import throttling
from merchants.models import MODE_MARKERS, SCOPE_ADMIN, TEST, MerchantAPIKey

LAST_USED_GRANULARITY_SECONDS = 60  # write last_used_at at most once a minute per key


def _failure_bucket(request) -> str:
    return f"auth-fail:{throttling.client_ip(request)}"


def _refuse(request, message: str):
    """Count a failed authentication against the client's address, then refuse it (429
    once the address has failed too often, so keys cannot be guessed at speed)."""
    window = throttling.hit(_failure_bucket(request), settings.API_AUTH_FAILURE_RATE)
    throttling.remember(request, window)
    if not window.allowed:
        raise exceptions.Throttled(wait=window.reset)
    raise exceptions.AuthenticationFailed(message)


def parse_key(token: str) -> tuple[str, str | None]:
    """(prefix, mode shown in the key or None for a key made before modes)."""
    head = token.partition(".")[0]
    for mode, marker in MODE_MARKERS.items():
        if head.startswith(marker):
            return head[len(marker) :], mode
    return head, None


class ApiKeyAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        window = throttling.peek(_failure_bucket(request), settings.API_AUTH_FAILURE_RATE)
        throttling.remember(request, window)  # until the key's own limit replaces it
        if window.count >= window.limit:  # this address failed too often: not even a lookup
            raise exceptions.Throttled(wait=window.reset)
        header = authentication.get_authorization_header(request).decode("latin-1").split()
        if not header:
            return None
        if len(header) != 2 or header[0] != self.keyword:
            _refuse(request, "use the header `Authorization: Bearer <api key>`")
        prefix, mode = parse_key(header[1])
        key = (
            MerchantAPIKey.objects.select_related("merchant")
            .filter(prefix=prefix, revoked=False)
            .first()
        )
        if (
            key is None
            or key.has_expired
            or (mode or "live") != key.mode
            or not key.is_valid(header[1])
        ):
            _refuse(request, "the API key is invalid or revoked")
        now = timezone.now()
        if (
            key.last_used_at is None
            or (now - key.last_used_at).total_seconds() > LAST_USED_GRANULARITY_SECONDS
        ):
            MerchantAPIKey.objects.filter(pk=key.pk).update(last_used_at=now)
        return key.merchant, key

    def authenticate_header(self, request):
        return self.keyword


class HasMerchant(permissions.BasePermission):
    """An authenticated key, within its scope and mode: views that touch settings, wallets
    or the callback secret say `required_scope = "admin"`; the sandbox's operations say
    `required_mode = "test"` (play money is moved with test keys only)."""

    def has_permission(self, request, view):
        if request.auth is None:
            return False
        if (
            getattr(view, "required_scope", None) == SCOPE_ADMIN
            and request.auth.scope != SCOPE_ADMIN
        ):
            raise GatewayError(ErrorCode.INSUFFICIENT_SCOPE)
        if getattr(view, "required_mode", None) == TEST and request.auth.mode != TEST:
            raise GatewayError(ErrorCode.TEST_KEY_REQUIRED)
        return True


def actor_of(request) -> str:
    return f"api_key:{request.auth.prefix}"
