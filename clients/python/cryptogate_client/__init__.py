"""A client library for accessing Payment gateway merchant API"""

from .client import AuthenticatedClient, Client
from .signature import InvalidSignature, verify_signature

__all__ = (
    "AuthenticatedClient",
    "Client",
    "InvalidSignature",
    "verify_signature",
)
