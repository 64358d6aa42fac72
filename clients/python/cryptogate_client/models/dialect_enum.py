from enum import StrEnum


class DialectEnum(StrEnum):
    GATEWAY = "gateway"
    GREENFIELD = "greenfield"

    def __str__(self) -> str:
        return str(self.value)
