from enum import StrEnum


class MerchantUnresolvedRulesAdditionalProperty(StrEnum):
    COMPLETE = "complete"
    REFUND = "refund"
    REVIEW = "review"

    def __str__(self) -> str:
        return str(self.value)
