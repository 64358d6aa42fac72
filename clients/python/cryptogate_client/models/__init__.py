"""Contains all the data models used in inputs/outputs"""

from .callback_event import CallbackEvent
from .callback_secret import CallbackSecret
from .currency import Currency
from .currency_page import CurrencyPage
from .delivery import Delivery
from .delivery_attempt import DeliveryAttempt
from .delivery_page import DeliveryPage
from .delivery_status import DeliveryStatus
from .dialect_enum import DialectEnum
from .error import Error
from .error_code import ErrorCode
from .error_detail import ErrorDetail
from .error_type import ErrorType
from .event import Event
from .event_page import EventPage
from .event_type import EventType
from .invoice import Invoice
from .invoice_create_request import InvoiceCreateRequest
from .invoice_create_request_metadata import InvoiceCreateRequestMetadata
from .invoice_kind import InvoiceKind
from .invoice_metadata import InvoiceMetadata
from .invoice_page import InvoicePage
from .invoice_status import InvoiceStatus
from .merchant import Merchant
from .merchant_confirmations import MerchantConfirmations
from .merchant_underpayment_tolerance import MerchantUnderpaymentTolerance
from .merchant_unresolved_rules import MerchantUnresolvedRules
from .merchant_unresolved_rules_additional_property import MerchantUnresolvedRulesAdditionalProperty
from .mine_request import MineRequest
from .monero_wallet_request import MoneroWalletRequest
from .patched_merchant_request import PatchedMerchantRequest
from .patched_merchant_request_confirmations import PatchedMerchantRequestConfirmations
from .patched_merchant_request_underpayment_tolerance import PatchedMerchantRequestUnderpaymentTolerance
from .patched_merchant_request_unresolved_rules import PatchedMerchantRequestUnresolvedRules
from .patched_merchant_request_unresolved_rules_additional_property import (
    PatchedMerchantRequestUnresolvedRulesAdditionalProperty,
)
from .patched_webhook_endpoint_update_request import PatchedWebhookEndpointUpdateRequest
from .rate import Rate
from .refund import Refund
from .refund_amount import RefundAmount
from .refund_create_request import RefundCreateRequest
from .refund_mark_paid_request import RefundMarkPaidRequest
from .refund_page import RefundPage
from .refund_status import RefundStatus
from .resolve_action import ResolveAction
from .resolve_request import ResolveRequest
from .review_action import ReviewAction
from .review_request import ReviewRequest
from .sandbox_height import SandboxHeight
from .sandbox_pay_request import SandboxPayRequest
from .status_context import StatusContext
from .test_callback_event import TestCallbackEvent
from .test_callback_event_data import TestCallbackEventData
from .test_callback_event_event import TestCallbackEventEvent
from .token_qr_enum import TokenQrEnum
from .transaction import Transaction
from .transaction_status import TransactionStatus
from .wallet import Wallet
from .wallet_family import WalletFamily
from .wallet_page import WalletPage
from .wallet_request import WalletRequest
from .webhook_endpoint import WebhookEndpoint
from .webhook_endpoint_page import WebhookEndpointPage
from .webhook_endpoint_request import WebhookEndpointRequest
from .webhook_endpoint_secret import WebhookEndpointSecret

__all__ = (
    "CallbackEvent",
    "CallbackSecret",
    "Currency",
    "CurrencyPage",
    "Delivery",
    "DeliveryAttempt",
    "DeliveryPage",
    "DeliveryStatus",
    "DialectEnum",
    "Error",
    "ErrorCode",
    "ErrorDetail",
    "ErrorType",
    "Event",
    "EventPage",
    "EventType",
    "Invoice",
    "InvoiceCreateRequest",
    "InvoiceCreateRequestMetadata",
    "InvoiceKind",
    "InvoiceMetadata",
    "InvoicePage",
    "InvoiceStatus",
    "Merchant",
    "MerchantConfirmations",
    "MerchantUnderpaymentTolerance",
    "MerchantUnresolvedRules",
    "MerchantUnresolvedRulesAdditionalProperty",
    "MineRequest",
    "MoneroWalletRequest",
    "PatchedMerchantRequest",
    "PatchedMerchantRequestConfirmations",
    "PatchedMerchantRequestUnderpaymentTolerance",
    "PatchedMerchantRequestUnresolvedRules",
    "PatchedMerchantRequestUnresolvedRulesAdditionalProperty",
    "PatchedWebhookEndpointUpdateRequest",
    "Rate",
    "Refund",
    "RefundAmount",
    "RefundCreateRequest",
    "RefundMarkPaidRequest",
    "RefundPage",
    "RefundStatus",
    "ResolveAction",
    "ResolveRequest",
    "ReviewAction",
    "ReviewRequest",
    "SandboxHeight",
    "SandboxPayRequest",
    "StatusContext",
    "TestCallbackEvent",
    "TestCallbackEventData",
    "TestCallbackEventEvent",
    "TokenQrEnum",
    "Transaction",
    "TransactionStatus",
    "Wallet",
    "WalletFamily",
    "WalletPage",
    "WalletRequest",
    "WebhookEndpoint",
    "WebhookEndpointPage",
    "WebhookEndpointRequest",
    "WebhookEndpointSecret",
)
