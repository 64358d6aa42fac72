from enum import StrEnum


class RefundStatus(StrEnum):
    AWAITING_CLAIM = "awaiting_claim"
    CANCELLED = "cancelled"
    CLAIMED = "claimed"
    CONFIRMED = "confirmed"
    PAID = "paid"

    def __str__(self) -> str:
        return str(self.value)
