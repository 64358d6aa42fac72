from enum import StrEnum


class InvoiceStatus(StrEnum):
    CANCELLED = "cancelled"
    COMPLETED = "completed"
    COMPLIANCE_REVIEW = "compliance_review"
    DECLINED = "declined"
    EXPIRED = "expired"
    FAILED = "failed"
    NEW = "new"
    PENDING = "pending"
    REFUNDED = "refunded"
    UNRESOLVED = "unresolved"

    def __str__(self) -> str:
        return str(self.value)
