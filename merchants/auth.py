"""API authentication: `Authorization: Bearer <key>` resolves to the key's merchant."""

from django.utils import timezone
from rest_framework import authentication, exceptions, permissions, throttling

from merchants.models import MerchantAPIKey

LAST_USED_GRANULARITY_SECONDS = 60  # write last_used_at at most once a minute per key


class ApiKeyAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1").split()
        if not header:
            return None
        if len(header) != 2 or header[0] != self.keyword:
            raise exceptions.AuthenticationFailed(
                "use the header `Authorization: Bearer <api key>`")
        prefix = header[1].partition(".")[0]
        key = (MerchantAPIKey.objects.select_related("merchant")
               .filter(prefix=prefix, revoked=False).first())
        if key is None or key.has_expired or not key.is_valid(header[1]):
            raise exceptions.AuthenticationFailed("the API key is invalid or revoked")
        now = timezone.now()
        if (key.last_used_at is None
                or (now - key.last_used_at).total_seconds() > LAST_USED_GRANULARITY_SECONDS):
            MerchantAPIKey.objects.filter(pk=key.pk).update(last_used_at=now)
        return key.merchant, key

    def authenticate_header(self, request):
        return self.keyword


class HasMerchant(permissions.BasePermission):
    def has_permission(self, request, view):
        return request.auth is not None


class ApiKeyRateThrottle(throttling.SimpleRateThrottle):
    """Requests per API key, so one integration cannot starve the others."""

    scope = "api_key"

    def get_cache_key(self, request, view):
        if request.auth is None:
            return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
        return self.cache_format % {"scope": self.scope, "ident": request.auth.pk}


def actor_of(request) -> str:
    return f"api_key:{request.auth.prefix}"
