"""Money: a Decimal amount with an ISO 4217 currency. Never a float.

Stored as ``{"amount": Decimal128("..."), "currency": "CNY"}`` so no digit is lost
on either engine; on the wire (JSON) the amount is a string.
"""
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from bson.decimal128 import Decimal128

# Minor-unit exponents for the currencies whose minor unit is not 2 digits.
_MINOR_DIGITS = {"JPY": 0, "KRW": 0, "VND": 0, "BHD": 3, "KWD": 3, "OMR": 3, "JOD": 3}
# One documented rounding rule for money everywhere: half away from zero.
ROUNDING = ROUND_HALF_UP


class MoneyError(ValueError):
    pass


def minor_digits(currency):
    """How many decimal digits ``currency``'s minor unit has (2 unless listed)."""
    return _MINOR_DIGITS.get(currency, 2)


def to_decimal(value):
    """Accept Decimal, int or a numeric string; refuse floats (they are not exact)."""
    if isinstance(value, bool) or isinstance(value, float):
        raise MoneyError(f"money must not be a float or bool: {value!r}")
    if isinstance(value, Decimal128):
        value = value.to_decimal()
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except InvalidOperation:
        raise MoneyError(f"not a number: {value!r}") from None
    if not amount.is_finite():
        raise MoneyError(f"not a finite number: {value!r}")
    return amount


def check_currency(code):
    if not (isinstance(code, str) and len(code) == 3 and code.isascii() and code.isupper()
            and code.isalpha()):
        raise MoneyError(f"currency must be a 3-letter ISO 4217 code, got {code!r}")
    return code


@dataclass(frozen=True)
class Money:
    amount: Decimal
    currency: str

    def __post_init__(self):
        object.__setattr__(self, "amount", to_decimal(self.amount))
        check_currency(self.currency)

    @property
    def minor_digits(self):
        return minor_digits(self.currency)

    def rounded(self):
        """The amount rounded to the currency's minor unit (half away from zero)."""
        exponent = Decimal(1).scaleb(-self.minor_digits)
        return Money(self.amount.quantize(exponent, rounding=ROUNDING), self.currency)

    def _same_currency(self, other):
        if not isinstance(other, Money):
            return NotImplemented
        if other.currency != self.currency:
            raise MoneyError(f"cannot combine {self.currency} with {other.currency}")
        return other

    def __add__(self, other):
        other = self._same_currency(other)
        if other is NotImplemented:
            return other
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other):
        other = self._same_currency(other)
        if other is NotImplemented:
            return other
        return Money(self.amount - other.amount, self.currency)

    def __mul__(self, factor):
        return Money(self.amount * to_decimal(factor), self.currency)

    __rmul__ = __mul__

    def __neg__(self):
        return Money(-self.amount, self.currency)

    def to_document(self):
        return {"amount": Decimal128(self.amount), "currency": self.currency}

    @classmethod
    def from_document(cls, document):
        return cls(document["amount"], document["currency"])

    def __str__(self):
        return f"{self.amount} {self.currency}"
