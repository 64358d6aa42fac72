"""What the authorize flow granted a key, in Greenfield's words: the key answers exactly these
permissions (its scope, the narrowest that holds them, is what our API enforces)."""

from django.db import models

from merchants.models import MerchantAPIKey


class Grant(models.Model):
    key = models.OneToOneField(
        MerchantAPIKey, on_delete=models.CASCADE, related_name="greenfield_grant"
    )
    permissions = models.JSONField(default=list)  # names, without the store id
    application = models.CharField(max_length=200, blank=True)
    application_identifier = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
