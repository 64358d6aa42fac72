from enum import StrEnum


class EventType(StrEnum):
    REFUND_UPDATED = "refund_updated"
    STATUS_CHANGED = "status_changed"
    TRANSACTION_CONFIRMED = "transaction_confirmed"
    TRANSACTION_CREATED = "transaction_created"
    TRANSACTION_REVERTED = "transaction_reverted"
    TRANSACTION_UPDATED = "transaction_updated"

    def __str__(self) -> str:
        return str(self.value)
