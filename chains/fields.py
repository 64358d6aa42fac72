"""A model field for amounts: an exact integer count of base units, up to uint256."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import models


class UnitsField(models.Field):
    """Integer base units (satoshi, wei, token units).

    BIGINT overflows at about 9.2 ETH in wei, and SQLite turns large NUMERIC values into
    floats, so PostgreSQL stores NUMERIC(78, 0) and SQLite stores the digits as text.
    Python code only ever sees `int`. Sum and compare amounts in Python, not in SQL."""

    description = "Integer count of base units"

    def db_type(self, connection):
        return "text" if connection.vendor == "sqlite" else "numeric(78, 0)"

    def from_db_value(self, value, expression, connection):
        return None if value is None else int(value)

    def to_python(self, value):
        if value is None or isinstance(value, int):
            return value
        if isinstance(value, (Decimal, str)):
            try:
                number = Decimal(value)
            except ArithmeticError:
                number = None
            if number is not None and number.is_finite() and number == number.to_integral_value():
                return int(number)
        raise ValidationError(f"{value!r} is not a whole number of base units")

    def get_db_prep_value(self, value, connection, prepared=False):
        if value is None:
            return None
        value = self.to_python(value)
        return str(value) if connection.vendor == "sqlite" else Decimal(value)
