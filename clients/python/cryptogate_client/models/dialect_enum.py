from enum import StrEnum


class DialectEnum(StrEnum):
    CRYPTOGATE = "cryptogate"
    GREENFIELD = "greenfield"

    def __str__(self) -> str:
        return str(self.value)
