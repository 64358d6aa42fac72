from enum import StrEnum


class TestCallbackEventEvent(StrEnum):
    TEST = "test"

    def __str__(self) -> str:
        return str(self.value)
