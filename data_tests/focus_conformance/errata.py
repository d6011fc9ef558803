"""What the requirements model cannot say by itself: errata and a few supplements.

Two small, explicit mappings, each entry justified by the rule's own `MustSatisfy` text:

- `ERRATA`: places where the model's JSON contradicts its own text (a condition with the
  wrong operator, a condition left out). An erratum names the JSON it expects to find; it is
  applied only when the model still holds exactly that, so a corrected model release makes
  the erratum inert (reported as stale) instead of silently overriding the fix.
- `SUPPLEMENTS`: Dynamic rules (no machine-readable criteria in the model) whose text is a
  plain column comparison, expressed in the model's own check-function language.

Everything else comes from the model file.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# marker for an erratum that turns a rule into "not checked"
UNCHECKABLE = "uncheckable"


@dataclass(frozen=True)
class Erratum:
    """A correction of one part ("Requirement" or "Condition") of one model rule.

    Attributes:
        part: "Requirement" or "Condition" of ValidationCriteria.
        found: the JSON the model holds (the erratum applies only to exactly this).
        fixed: the corrected JSON, or UNCHECKABLE when the text's condition has no column.
        why: the reason, quoting the rule's text.
    """

    part: str
    found: Any
    fixed: Any
    why: str


def _value(column: str, value: Any, negate: bool = False) -> dict[str, Any]:
    function = "CheckNotValue" if negate else "CheckValue"
    return {"CheckFunction": function, "ColumnName": column, "Value": value}


def _one_of(column: str, *values: str) -> dict[str, Any]:
    return {"CheckFunction": "OR", "Items": [_value(column, value) for value in values]}


ERRATA: dict[str, Erratum] = {
    # model 1.2 only; 1.2.0.1 fixed it (the reason that release exists)
    "CommitmentDiscountStatus-C-003-C": Erratum(
        "Requirement",
        _value("CommitmentDiscountStatus", None, negate=True),
        _value("CommitmentDiscountStatus", None),
        "text says 'MUST be null when CommitmentDiscountId is null'; model 1.2 checks not null",
    ),
    "CommitmentDiscountStatus-C-004-C": Erratum(
        "Condition",
        _value("CommitmentDiscountId", None),
        {
            "CheckFunction": "AND",
            "Items": [
                _value("CommitmentDiscountId", None, negate=True),
                _value("ChargeCategory", "Usage"),
            ],
        },
        "text says 'when CommitmentDiscountId is not null and ChargeCategory is \"Usage\"'; "
        "the model's condition is 'CommitmentDiscountId is null'",
    ),
    "ConsumedQuantity-C-006-C": Erratum(
        "Condition",
        _value("ChargeClass", "Correction"),
        _value("ChargeClass", "Correction", negate=True),
        "text says 'MUST NOT be null when ChargeClass is not \"Correction\"'; the model's "
        "condition is 'ChargeClass is \"Correction\"' (the case C-007 lets be null)",
    ),
    "CommitmentDiscountQuantity-C-010-C": Erratum(
        "Condition",
        _value("ChargeCategory", None),
        _value("ChargeCategory", "Purchase"),
        "text says 'When ChargeCategory is \"Purchase\"'; the model's condition tests null",
    ),
    "Tags-C-003-C": Erratum(
        "Condition",
        _value("Tags", None),
        _value("Tags", None, negate=True),
        "text says 'When Tags is not null'; the model's condition tests null",
    ),
    "PricingCurrencyEffectiveCost-C-004-M": Erratum(
        "Requirement",
        {
            "CheckFunction": "CheckGreaterOrEqualThanValue",
            "ColumnName": "PricingCurrencyListUnitPrice",
            "Value": 0,
        },
        {"CheckFunction": "CheckDecimalValue", "ColumnName": "PricingCurrencyEffectiveCost"},
        "text says 'PricingCurrencyEffectiveCost MUST be a valid decimal value'; the model "
        "checks PricingCurrencyListUnitPrice >= 0",
    ),
    "CommitmentDiscountStatus-C-005-M": Erratum(
        "Requirement",
        _one_of("CommitmentDiscountStatus", "Active", "Expired", "Pending"),
        _one_of("CommitmentDiscountStatus", "Used", "Unused"),
        "the model lists Active/Expired/Pending, but its own rules use the FOCUS 1.2 values "
        "(DiscountHandling-A-014-C 'MUST be \"Used\"', DiscountHandling-A-018-C "
        "'set to \"Unused\"', ConsumedQuantity-C-004-C)",
    ),
    "InvoiceId-C-004-C": Erratum(
        "Condition",
        {},
        UNCHECKABLE,
        "condition 'charge not associated with an invoice' has no column; without it the "
        "model would require InvoiceId null on every row",
    ),
    "InvoiceId-C-005-C": Erratum(
        "Condition",
        {},
        UNCHECKABLE,
        "condition 'charge associated with an issued or provisional invoice' has no column; "
        "without it the model would require InvoiceId on every row, open months included",
    ),
    "EffectiveCost-C-005-C": Erratum(
        "Condition",
        _value("ChargeCategory", "Purchase"),
        UNCHECKABLE,
        "the model keeps only 'ChargeCategory is \"Purchase\"' of the condition and drops "
        "'the purchase is intended to cover future eligible charges', which no column says "
        "(recurring commitment fees are Purchases that cover the current period)",
    ),
}


def _less(column_a: str, column_b: str, or_equal: bool) -> dict[str, Any]:
    return {
        "CheckFunction": "CheckColumnLessOrEqualColumn" if or_equal else "CheckColumnLessColumn",
        "ColumnAName": column_a,
        "ColumnBName": column_b,
    }


# Dynamic rule id -> requirement in the model's check-function language (plus the two
# column comparisons above, which the model's CheckFunctions lack)
SUPPLEMENTS: dict[str, dict[str, Any]] = {
    # inclusive start, exclusive end: the start lies strictly before the end
    "BillingPeriodStart-C-004-M": _less("BillingPeriodStart", "BillingPeriodEnd", False),
    "BillingPeriodEnd-C-004-M": _less("BillingPeriodStart", "BillingPeriodEnd", False),
    # charge periods of one-time charges can be instants, so start <= end
    "ChargePeriodStart-C-004-M": _less("ChargePeriodStart", "ChargePeriodEnd", True),
    "ChargePeriodEnd-C-004-M": _less("ChargePeriodStart", "ChargePeriodEnd", True),
    "ConsumedQuantity-C-008-C": {
        "CheckFunction": "CheckDecimalValue",
        "ColumnName": "ConsumedQuantity",
    },
    "CommitmentDiscountQuantity-C-009-M": {
        "CheckFunction": "CheckDecimalValue",
        "ColumnName": "CommitmentDiscountQuantity",
    },
    "PricingCurrencyContractedUnitPrice-C-004-C": _value(
        "PricingCurrencyContractedUnitPrice", None
    ),
    "PricingCurrencyContractedUnitPrice-C-005-C": _value(
        "PricingCurrencyContractedUnitPrice", None, negate=True
    ),
    "PricingCurrencyContractedUnitPrice-C-008-C": {
        "CheckFunction": "CheckGreaterOrEqualThanValue",
        "ColumnName": "PricingCurrencyContractedUnitPrice",
        "Value": 0,
    },
}
