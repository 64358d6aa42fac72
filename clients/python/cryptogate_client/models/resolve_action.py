from enum import StrEnum


class ResolveAction(StrEnum):
    COMPLETE = "complete"
    REFUND = "refund"

    def __str__(self) -> str:
        return str(self.value)
