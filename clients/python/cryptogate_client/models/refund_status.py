from enum import StrEnum


class RefundStatus(StrEnum):
    AWAITING_CLAIM = "awaiting_claim"
    AWAITING_PAYOUT = "awaiting_payout"
    CONFIRMED = "confirmed"
    PAID = "paid"

    def __str__(self) -> str:
        return str(self.value)
