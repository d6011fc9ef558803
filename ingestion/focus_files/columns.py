"""FOCUS columns across versions: the raw-table contract, renames and version detection.

Column lists come from the FOCUS specification (0.5 to 1.4, FinOps Foundation) and Microsoft's
FocusCost export schemas (1.0-preview, 1.0, 1.0r2, 1.2-preview, 1.2). Every version's columns
land in one raw table under their current (1.2+/1.3) names in snake_case; a column a file lacks
is null.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# (FOCUS column, kind, version that introduced it under this name). kinds: string, money,
# rate (unit prices), quantity (double), timestamp, json (text holding JSON).
FOCUS_COLUMNS: list[tuple[str, str, str]] = [
    ("AvailabilityZone", "string", "0.5"),
    ("BilledCost", "money", "0.5"),
    ("BillingAccountId", "string", "0.5"),
    ("BillingAccountName", "string", "0.5"),
    ("BillingAccountType", "string", "1.2"),
    ("BillingCurrency", "string", "0.5"),
    ("BillingPeriodEnd", "timestamp", "0.5"),
    ("BillingPeriodStart", "timestamp", "0.5"),
    ("CapacityReservationId", "string", "1.1"),
    ("CapacityReservationStatus", "string", "1.1"),
    ("ChargeCategory", "string", "0.5"),
    ("ChargeClass", "string", "1.0"),
    ("ChargeDescription", "string", "1.0"),
    ("ChargeFrequency", "string", "1.0"),
    ("ChargePeriodEnd", "timestamp", "0.5"),
    ("ChargePeriodStart", "timestamp", "0.5"),
    ("CommitmentDiscountCategory", "string", "1.0"),
    ("CommitmentDiscountId", "string", "1.0"),
    ("CommitmentDiscountName", "string", "1.0"),
    ("CommitmentDiscountQuantity", "quantity", "1.1"),
    ("CommitmentDiscountStatus", "string", "1.0"),
    ("CommitmentDiscountType", "string", "1.0"),
    ("CommitmentDiscountUnit", "string", "1.1"),
    ("ConsumedQuantity", "quantity", "1.0"),
    ("ConsumedUnit", "string", "1.0"),
    ("ContractedCost", "money", "1.0"),
    ("ContractedUnitPrice", "rate", "1.0"),
    ("EffectiveCost", "money", "0.5"),
    ("InvoiceId", "string", "1.2"),
    ("InvoiceIssuerName", "string", "0.5"),
    ("ListCost", "money", "1.0"),
    ("ListUnitPrice", "rate", "1.0"),
    ("PricingCategory", "string", "1.0"),
    ("PricingCurrency", "string", "1.2"),
    ("PricingCurrencyContractedUnitPrice", "rate", "1.2"),
    ("PricingCurrencyEffectiveCost", "money", "1.2"),
    ("PricingCurrencyListUnitPrice", "rate", "1.2"),
    ("PricingQuantity", "quantity", "1.0"),
    ("PricingUnit", "string", "1.0"),
    ("ProviderName", "string", "0.5"),  # deprecated by 1.3 (ServiceProviderName)
    ("PublisherName", "string", "0.5"),  # deprecated by 1.3 (ServiceProviderName)
    ("RegionId", "string", "1.0"),
    ("RegionName", "string", "1.0"),
    ("ResourceId", "string", "0.5"),
    ("ResourceName", "string", "0.5"),
    ("ResourceType", "string", "1.0"),
    ("ServiceCategory", "string", "0.5"),
    ("ServiceName", "string", "0.5"),
    ("ServiceSubcategory", "string", "1.1"),
    ("SkuId", "string", "1.0"),
    ("SkuMeter", "string", "1.1"),
    ("SkuPriceDetails", "json", "1.1"),
    ("SkuPriceId", "string", "1.0"),
    ("SubAccountId", "string", "0.5"),
    ("SubAccountName", "string", "0.5"),
    ("SubAccountType", "string", "1.2"),
    ("Tags", "json", "1.0"),
    ("AllocatedMethodDetails", "json", "1.3"),
    ("AllocatedMethodId", "string", "1.3"),
    ("AllocatedResourceId", "string", "1.3"),
    ("AllocatedResourceName", "string", "1.3"),
    ("AllocatedTags", "json", "1.3"),
    ("ContractApplied", "json", "1.3"),
    ("HostProviderName", "string", "1.3"),
    ("ServiceProviderName", "string", "1.3"),
    ("CommitmentProgramEligibilityDetails", "json", "1.4"),
    ("InvoiceDetailId", "string", "1.4"),
]
KIND = {name: kind for name, kind, _ in FOCUS_COLUMNS}

# old name -> current name. 0.5 names were renamed in 1.0-preview; 1.0-preview's Region and
# Usage* were replaced in 1.0 (Region held the region id, e.g. `us-east-1`, `eastus`).
RENAMES: dict[str, str] = {
    "AmortizedCost": "EffectiveCost",
    "BilledCurrency": "BillingCurrency",
    "ChargeType": "ChargeCategory",
    "InvoiceIssuer": "InvoiceIssuerName",
    "Provider": "ProviderName",
    "Publisher": "PublisherName",
    "Region": "RegionId",
    "UsageQuantity": "ConsumedQuantity",
    "UsageUnit": "ConsumedUnit",
}

VERSIONS = ("0.5", "1.0-preview", "1.0", "1.1", "1.2", "1.3", "1.4")

# columns whose presence proves a file is at least (or at most) a version
_AT_LEAST: dict[str, set[str]] = {
    "1.0": {
        "ChargeClass",
        "ContractedCost",
        "ContractedUnitPrice",
        "ConsumedQuantity",
        "ConsumedUnit",
        "RegionId",
        "RegionName",
        "CommitmentDiscountStatus",
    },
    "1.1": {
        "CapacityReservationId",
        "CapacityReservationStatus",
        "CommitmentDiscountQuantity",
        "CommitmentDiscountUnit",
        "ServiceSubcategory",
        "SkuMeter",
        "SkuPriceDetails",
    },
    # BillingAccountType / SubAccountType are not evidence: Azure's FocusCost 1.0 exports
    # carried them before FOCUS 1.2 adopted them
    "1.2": {
        "InvoiceId",
        "PricingCurrency",
        "PricingCurrencyContractedUnitPrice",
        "PricingCurrencyEffectiveCost",
        "PricingCurrencyListUnitPrice",
    },
    "1.3": {
        "ServiceProviderName",
        "HostProviderName",
        "AllocatedMethodDetails",
        "AllocatedMethodId",
        "AllocatedResourceId",
        "AllocatedResourceName",
        "AllocatedTags",
        "ContractApplied",
    },
    "1.4": {"InvoiceDetailId", "CommitmentProgramEligibilityDetails"},
}
_AT_MOST: dict[str, set[str]] = {
    "0.5": {
        "AmortizedCost",
        "BilledCurrency",
        "ChargeType",
        "InvoiceIssuer",
        "Provider",
        "Publisher",
    },
    "1.0-preview": {"Region", "UsageQuantity", "UsageUnit", "ChargeSubcategory"},
}

# what a file needs to be loaded at all: without them a row has no amount or no month
REQUIRED = ("BilledCost", "BillingPeriodStart")


@dataclass(frozen=True)
class Version:
    """The FOCUS version of a file: the signature's bounds and the version used."""

    version: str
    lowest: str
    highest: str
    source: str  # detected | declared | conflict

    @property
    def ambiguous(self) -> bool:
        """True when the columns allow more than one version."""
        return self.lowest != self.highest


def _index(version: str) -> int:
    return VERSIONS.index(version)


def check_version(value: str | None) -> str | None:
    """A declared version, normalized (`1.2`, `v1.2`, `1.0-preview`), or ValueError."""
    if value is None or not str(value).strip():
        return None
    text = str(value).strip().lower().lstrip("v")
    if text not in VERSIONS:
        raise ValueError(f"unknown FOCUS version {value!r}; known: {', '.join(VERSIONS)}")
    return text


def detect_version(headers: list[str], declared: str | None = None) -> Version:
    """The file's FOCUS version from its columns; a declared version settles ambiguity.

    The signature gives a range: the newest version whose new columns appear is the lowest
    possible, a name that a later version renamed caps it. Optional columns make most files
    ambiguous (a 1.2 file need not have any 1.2 column); then the declared version wins if it
    is in range, else the lowest is used.

    Args:
        headers: delivered column names.
        declared: the `focus_version` option, if set.

    Returns:
        The version used and the signature's range.
    """
    present = set(headers)
    lowest, highest = "0.5", VERSIONS[-1]
    for version, names in _AT_LEAST.items():
        if present & names and _index(version) > _index(lowest):
            lowest = version
    for version, names in _AT_MOST.items():
        if present & names and _index(version) < _index(highest):
            highest = version
    if _index(lowest) > _index(highest):  # mixed signature: trust the newest evidence
        highest = lowest
    if not present & _AT_MOST["0.5"] and lowest == "0.5":
        # no 0.5 name (ChargeType, Provider, ...): 1.0-preview, which renamed them, or later
        lowest = "1.0-preview"
    if declared is not None:
        if _index(lowest) <= _index(declared) <= _index(highest):
            return Version(declared, lowest, highest, "declared")
        return Version(lowest, lowest, highest, "conflict")
    return Version(lowest, lowest, highest, "detected")


@dataclass(frozen=True)
class Layout:
    """How a file's headers map onto the raw table."""

    typed: dict[str, str]  # FOCUS column -> delivered header
    extra: list[str]  # delivered headers kept in x_extra
    renamed: dict[str, str]  # delivered header -> FOCUS column, for old names
    version: Version

    @property
    def missing_required(self) -> list[str]:
        """Required columns the file lacks."""
        return [name for name in REQUIRED if name not in self.typed]


_CANONICAL = {name.lower(): name for name in KIND}
_OLD = {name.lower(): name for name in RENAMES}


def clean_header(header: str) -> str:
    """A delivered header without surrounding spaces or a byte-order mark."""
    return header.replace("\ufeff", "").strip()


def plan_layout(headers: list[str], declared: str | None = None) -> Layout:
    """Map delivered headers onto FOCUS columns (case-insensitive), old names renamed.

    A current name wins over an old one for the same column (a 0.5 file may carry both
    BilledCurrency and BillingCurrency). Headers matching no FOCUS column, including
    provider `x_` columns, are kept in x_extra under their delivered names.
    """
    typed: dict[str, str] = {}
    renamed: dict[str, str] = {}
    extra: list[str] = []
    for header in headers:
        key = clean_header(header).lower()
        if key in _CANONICAL and _CANONICAL[key] not in typed:
            typed[_CANONICAL[key]] = header
    for header in headers:
        key = clean_header(header).lower()
        if key in _CANONICAL and typed.get(_CANONICAL[key]) == header:
            continue
        target = RENAMES.get(_OLD.get(key, ""))
        if target and target not in typed:
            typed[target] = header
            renamed[header] = target
        else:
            extra.append(header)
    canonical = [clean_header(h) for h in headers]
    canonical = [_CANONICAL.get(h.lower(), _OLD.get(h.lower(), h)) for h in canonical]
    return Layout(typed, extra, renamed, detect_version(canonical, declared))


def snake(name: str) -> str:
    """`BillingPeriodStart` -> `billing_period_start` (the raw table's column names)."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()
