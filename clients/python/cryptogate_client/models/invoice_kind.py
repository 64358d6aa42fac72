from enum import StrEnum


class InvoiceKind(StrEnum):
    FIXED = "fixed"
    OPEN = "open"
    TIMED = "timed"

    def __str__(self) -> str:
        return str(self.value)
