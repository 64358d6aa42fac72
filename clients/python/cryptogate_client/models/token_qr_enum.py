from enum import StrEnum


class TokenQrEnum(StrEnum):
    ADDRESS = "address"
    URI = "uri"

    def __str__(self) -> str:
        return str(self.value)
