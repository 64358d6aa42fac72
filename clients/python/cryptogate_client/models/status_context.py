from enum import StrEnum


class StatusContext(StrEnum):
    MULTIPLE_SENDERS = "multiple_senders"
    OVERPAID = "overpaid"
    PAID_LATE = "paid_late"
    REVERTED = "reverted"
    UNDERPAID = "underpaid"

    def __str__(self) -> str:
        return str(self.value)
