"""Azure Cost Management exports (MCA, cost details v2) for the sample organization.

One Microsoft Customer Agreement billing account (one billing profile in USD) with one
subscription per team of `aws_catalog` that runs on Azure. Every billing period gets two
partitioned export runs, as Cost Management writes them under the storage container:

    azure/<export name>/<YYYYMMDD-YYYYMMDD>/<run id>/_manifest.json
    azure/<export name>/<YYYYMMDD-YYYYMMDD>/<run id>/part_0_0001.csv[.gz]

`northwind-mca-actual` (ActualCost, plain CSV) and `northwind-mca-amortized` (AmortizedCost,
gzip CSV). Both views hold the same usage rows. Usage covered by the reservation or the
savings plan costs 0 in actual data and its amortized rate in amortized data. The reservation
purchase (upfront) and the monthly savings-plan purchases appear only in actual data. The
unused part of each commitment appears only in amortized data, one UnusedReservation /
UnusedSavingsPlan row per day. A Marketplace purchase appears in both. The last period is
open: usage through day 20 (as the AWS sample's first delivery) and no invoice id.

Money is Decimal rounded to 8 places and written as plain decimals, so the ground-truth totals
(sums of the written values) are exact. Every draw comes from `numpy.random.default_rng` keyed
by the seed and a provider salt, and no wall-clock time is written: the same request gives
byte-identical files.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import shutil
import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import numpy as np

from .aws_catalog import COST_CENTERS, MISSPELLINGS, OWNERS, TAG_MESS_SHARES, TEAMS
from .aws_cur import DELIVERED_DAYS
from .registry import GenerationRequest, ProviderOutput, add_months, register

ROOT = "azure"
SALT = 0xA2C0  # provider salt of every random stream
CURRENCY = "USD"
ACCOUNT_NAME = "Northwind Traders"
PROFILE_NAME = "Northwind Traders USD"
EXPORTS = {"actual": "northwind-mca-actual", "amortized": "northwind-mca-amortized"}
EXPORT_TYPES = {"actual": "ActualCost", "amortized": "AmortizedCost"}
CONTAINER, ROOT_FOLDER = "finops-exports", "azure"
DATA_VERSION, API_VERSION = "2023-12-01-preview", "2023-07-01-preview"
PART_ROWS = 2_000  # rows per part file; real exports split much larger runs the same way
OPEN_MONTH_DAYS = DELIVERED_DAYS["initial"]
MONEY = Decimal("0.00000001")
RATE = Decimal("0.0000000001")
QTY = Decimal("0.000001")

# subscription name, owning team, environment
SUBSCRIPTIONS: tuple[tuple[str, str, str], ...] = (
    ("platform-prod", "platform", "prod"),
    ("payments-prod", "payments", "prod"),
    ("data-prod", "data", "prod"),
    ("ml-dev", "ml", "dev"),
)
# region code, MeterRegion / Location label, price factor, draw weight
REGIONS: tuple[tuple[str, str, Decimal, float], ...] = (
    ("eastus", "US East", Decimal("1"), 0.7),
    ("westeurope", "EU West", Decimal("1.1"), 0.3),
)


@dataclass(frozen=True)
class Meter:
    """A priced Azure meter, from which resources are drawn."""

    key: str
    category: str
    subcategory: str
    name: str
    family: str
    service: str  # ConsumedService (resource provider)
    arm_type: str  # provider/type path of the ResourceId
    unit: str
    price: Decimal  # US East pay-as-you-go price per unit
    kind: str  # hours: 1 per running hour; monthly: 1 per month; amount: any per day
    low: float  # hours: fewest hours a day; amount: smallest typical daily amount
    high: float
    weight: float
    sp_price: Decimal = Decimal(0)  # savings-plan rate in US East; 0 = not eligible
    vm_size: str = ""


METERS: tuple[Meter, ...] = (
    Meter("vm_d4s", "Virtual Machines", "Dv5/DSv5 Series", "D4s v5", "Compute",
          "Microsoft.Compute", "Microsoft.Compute/virtualMachines", "1 Hour", Decimal("0.192"),
          "hours", 8, 24, 8, Decimal("0.1267"), "Standard_D4s_v5"),
    Meter("vm_e4s", "Virtual Machines", "Ev5/ESv5 Series", "E4s v5", "Compute",
          "Microsoft.Compute", "Microsoft.Compute/virtualMachines", "1 Hour", Decimal("0.252"),
          "hours", 8, 24, 5, Decimal("0.1638"), "Standard_E4s_v5"),
    Meter("disk_p10", "Storage", "Premium SSD Managed Disks", "P10 LRS Disk", "Storage",
          "Microsoft.Compute", "Microsoft.Compute/disks", "1/Month", Decimal("19.71"),
          "monthly", 1, 1, 6),
    Meter("blob_hot", "Storage", "Tiered Block Blob", "Hot LRS Data Stored", "Storage",
          "Microsoft.Storage", "Microsoft.Storage/storageAccounts", "1 GB/Month",
          Decimal("0.0184"), "amount", 10, 900, 5),
    Meter("sql_vcore", "SQL Database", "General Purpose - Compute Gen5", "vCore", "Databases",
          "Microsoft.Sql", "Microsoft.Sql/servers/databases", "1 Hour", Decimal("0.2529"),
          "amount", 48, 192, 4),
    Meter("aks_sla", "Azure Kubernetes Service", "Standard", "Standard Uptime SLA", "Containers",
          "Microsoft.ContainerService", "Microsoft.ContainerService/managedClusters", "1 Hour",
          Decimal("0.10"), "hours", 24, 24, 2),
    Meter("egress", "Bandwidth", "Rtn Preference: MGN", "Standard Data Transfer Out",
          "Networking", "Microsoft.Network", "Microsoft.Network/publicIPAddresses", "1 GB",
          Decimal("0.087"), "amount", 5, 300, 4),
    Meter("cosmos_ru", "Azure Cosmos DB", "Azure Cosmos DB", "100 RU/s", "Databases",
          "Microsoft.DocumentDB", "Microsoft.DocumentDB/databaseAccounts", "100/Hour",
          Decimal("0.008"), "amount", 96, 960, 3),
)  # fmt: skip
METER_INDEX = {m.key: i for i, m in enumerate(METERS)}
# resources the commitments need at every scale: (subscription, meter, region, always on)
# the first three are the reservation's resource group
REQUIRED: tuple[tuple[int, str, int, bool], ...] = (
    (1, "vm_d4s", 0, True),  # reserved instances (3 x D4s v5, US East)
    (1, "vm_d4s", 0, True),
    (1, "vm_d4s", 0, False),
    (2, "vm_e4s", 0, True),  # savings plan beyond the reservation
    (0, "vm_e4s", 1, False),
)
RESERVED_INSTANCES = 3
# reservation scoped to one resource group (an Azure scope option), so it is not fully used
RESERVATION_GROUP = "rg-payments-checkout-prod"
RESERVATION_UPFRONT = Decimal("2737.50")  # 1 year, all upfront: 7.50 a day for 3 instances
RESERVATION_DAILY_FEE = RESERVATION_UPFRONT / 365
SAVINGS_PLAN_HOURLY = Decimal("0.30")  # commitment per hour, billed monthly
MARKETPLACE = ("Elastic", "elastic-cloud-ess", "Elastic Cloud (Elasticsearch Service)", "250.00")
WORDS = ("api", "worker", "ingest", "web", "etl", "cache", "batch", "feed", "index", "auth")

HEADER: tuple[str, ...] = (
    "InvoiceId", "PreviousInvoiceId", "BillingAccountId", "BillingAccountName",
    "BillingProfileId", "BillingProfileName", "InvoiceSectionId", "InvoiceSectionName",
    "ResellerName", "ResellerMpnId", "CostCenter", "BillingPeriodEndDate",
    "BillingPeriodStartDate", "ServicePeriodEndDate", "ServicePeriodStartDate", "Date",
    "ServiceFamily", "ProductOrderId", "ProductOrderName", "ConsumedService", "MeterId",
    "MeterName", "MeterCategory", "MeterSubCategory", "MeterRegion", "ProductId", "ProductName",
    "SubscriptionId", "SubscriptionName", "PublisherType", "PublisherId", "PublisherName",
    "ResourceGroupName", "ResourceId", "ResourceLocation", "Location", "EffectivePrice",
    "Quantity", "UnitOfMeasure", "ChargeType", "BillingCurrency", "PricingCurrency",
    "CostInBillingCurrency", "CostInPricingCurrency", "CostInUsd", "PaygCostInBillingCurrency",
    "PaygCostInUsd", "ExchangeRatePricingToBilling", "ExchangeRateDate", "IsAzureCreditEligible",
    "ServiceInfo1", "ServiceInfo2", "AdditionalInfo", "Tags", "PayGPrice", "Frequency", "Term",
    "ReservationId", "ReservationName", "PricingModel", "UnitPrice", "CostAllocationRuleName",
    "BenefitId", "BenefitName", "Provider",
)  # fmt: skip


def _guid(rng: np.random.Generator) -> str:
    return str(uuid.UUID(bytes=rng.bytes(16), version=4))


def _code(rng: np.random.Generator, groups: tuple[int, ...]) -> str:
    letters = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "-".join("".join(letters[int(i)] for i in rng.integers(32, size=n)) for n in groups)


def _text(value: Decimal) -> str:
    """A plain decimal (never exponent notation), without trailing zeros."""
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _mdy(day: date) -> str:
    return f"{day:%m/%d/%Y}"


def _month_end(month: date) -> date:
    return add_months(month, 1) - timedelta(days=1)


@dataclass(frozen=True)
class Subscription:
    """An Azure subscription of the billing account."""

    id: str
    name: str
    team: str
    environment: str
    invoice_section_id: str


@dataclass(frozen=True)
class Resource:
    """One Azure resource; it lives through the whole window with the same tags."""

    subscription: int
    meter: int
    region: int
    always_on: bool
    base: float  # hours: share of a day running; amount: typical daily amount
    resource_group: str
    resource_id: str
    name: str
    team: str  # the true owner, tagged or not
    tag_condition: str
    tags: str  # the Tags cell: compact JSON object, or "" when untagged


@dataclass
class World:
    """Ids, subscriptions, resources and commitments drawn once per seed."""

    account_id: str
    profile_id: str
    section_name: str
    subscriptions: list[Subscription]
    resources: list[Resource]
    reservation: dict[str, str]
    savings_plan: dict[str, str]
    invoices: dict[date, str]
    runs: dict[tuple[date, str], str]
    reservation_start: date
    meter_ids: dict[tuple[int, int], str] = field(default_factory=dict)

    @property
    def scope(self) -> str:
        """ARM scope of both exports (the billing account)."""
        return f"/providers/Microsoft.Billing/billingAccounts/{self.account_id}"


def build_world(request: GenerationRequest) -> World:
    """Draw the billing account, subscriptions, resources and commitments of a request.

    Args:
        request: the generation request (seed, scale, window).

    Returns:
        The world every month is generated from.
    """
    rng = np.random.default_rng([request.seed, SALT, 1])
    account_id = f"{_guid(rng)}:{_guid(rng)}_2019-05-31"
    profile_id = _code(rng, (4, 4, 3, 3))
    subscriptions = [
        Subscription(_guid(rng), name, team, env, _code(rng, (4, 4, 3, 3)))
        for name, team, env in SUBSCRIPTIONS
    ]
    # about 30 daily rows per resource and month: scale/20 rows a month, a few thousand at most
    n_resources = int(min(max(round(request.scale / 20 / 30), 12), 120))
    resources = _resources(rng, subscriptions, n_resources)
    order = _guid(rng)
    reservation = {
        "id": _guid(rng),
        "order_id": order,
        "name": "VM_RI_D4s_v5_eastus",
        "order_name": "Reserved VM Instance, Standard_D4s_v5, US East, 1 Year",
    }
    reservation["benefit_id"] = (
        f"/providers/Microsoft.Capacity/reservationOrders/{order}/reservations/{reservation['id']}"
    )
    sp_order, sp_id = _guid(rng), _guid(rng)
    savings_plan = {
        "id": sp_id,
        "order_id": sp_order,
        "name": "nw-compute-savings-plan",
        "order_name": "Compute savings plan, 1 Year, Monthly",
        "benefit_id": (
            f"/providers/Microsoft.BillingBenefits/savingsPlanOrders/{sp_order}"
            f"/savingsPlans/{sp_id}"
        ),
    }
    periods = request.periods
    invoices = {p: f"G{int(rng.integers(100_000_000, 999_999_999))}" for p in periods[:-1]}
    runs = {(p, view): _guid(rng) for p in periods for view in EXPORTS}
    meter_rng = np.random.default_rng([SALT, 2])  # meter ids are Azure's, not the seed's
    meter_ids = {(m, r): _guid(meter_rng) for m in range(len(METERS)) for r in range(len(REGIONS))}
    return World(
        account_id,
        profile_id,
        "Northwind Engineering",
        subscriptions,
        resources,
        reservation,
        savings_plan,
        invoices,
        runs,
        periods[0] + timedelta(days=2),  # bought on the 3rd of the first month
        meter_ids,
    )


def _resources(
    rng: np.random.Generator, subscriptions: list[Subscription], n: int
) -> list[Resource]:
    placement = [(s, METER_INDEX[k], r, on) for s, k, r, on in REQUIRED]
    weights = np.array([m.weight for m in METERS])
    region_weights = np.array([r[3] for r in REGIONS])
    for _ in range(max(0, n - len(placement))):
        meter = int(rng.choice(len(METERS), p=weights / weights.sum()))
        region = int(rng.choice(len(REGIONS), p=region_weights / region_weights.sum()))
        placement.append((int(rng.integers(len(subscriptions))), meter, region, rng.random() < 0.4))
    conditions = _tag_conditions(rng, len(placement))
    resources = []
    for (sub, meter, region, always_on), condition in zip(placement, conditions, strict=True):
        subscription = subscriptions[sub]
        # most resources belong to the subscription's team; the rest are borrowed or shared
        team = subscription.team if rng.random() < 0.8 else TEAMS[int(rng.integers(len(TEAMS)))]
        reserved = len(resources) < 3  # the reserved VMs (first REQUIRED entries)
        team = subscription.team if reserved else team
        m = METERS[meter]
        word = WORDS[int(rng.integers(len(WORDS)))]
        name = f"{team}-{word}-{rng.bytes(3).hex()}"
        group = RESERVATION_GROUP if reserved else f"rg-{team}-{word}-{subscription.environment}"
        path = m.arm_type.split("/", 1)
        if m.key == "sql_vcore":
            arm = f"{path[0]}/servers/{team}-sql-{subscription.environment}/databases/{name}"
        else:
            arm = f"{m.arm_type}/{name}"
        resource_id = f"/subscriptions/{subscription.id}/resourceGroups/{group}/providers/{arm}"
        base = (
            float(m.low * (m.high / m.low) ** rng.random())
            if m.kind == "amount"
            else float(rng.uniform(0.5, 0.95))
        )
        tags = _tags(rng, condition, team, subscription.environment)
        resources.append(
            Resource(
                sub,
                meter,
                region,
                bool(always_on),
                base,
                group,
                resource_id,
                name,
                team,
                condition,
                json.dumps(tags, separators=(",", ":")) if tags else "",
            )
        )
    return resources


def _tag_conditions(rng: np.random.Generator, n: int) -> list[str]:
    """Exact quotas (largest remainder), shuffled, like the AWS sample's tag mess."""
    names = list(TAG_MESS_SHARES)
    raw = np.array([TAG_MESS_SHARES[c] for c in names]) * n
    counts = np.floor(raw).astype(int)
    for i in np.argsort(-(raw - counts), kind="stable")[: n - counts.sum()]:
        counts[i] += 1
    return [str(c) for c in rng.permutation(np.repeat(np.array(names), counts))]


def _tags(rng: np.random.Generator, condition: str, team: str, env: str) -> dict[str, str]:
    # Azure tag keys are case-insensitive in ARM but exported as written, so `Team` survives
    tags: dict[str, str] = {}
    if condition in ("clean", "misspelled"):
        misspelled = sorted(k for k, v in MISSPELLINGS.items() if v == team)
        tags["team"] = team if condition == "clean" else str(rng.choice(misspelled))
    elif condition == "key_variant":
        tags["Team"] = team
    elif condition == "owner_only":
        tags["owner"] = str(rng.choice(sorted(k for k, v in OWNERS.items() if v == team)))
    if rng.random() < (0.5 if condition == "missing" else 0.9):
        tags["env"] = env
    if condition == "clean" and rng.random() < 0.4:
        tags["cost-center"] = COST_CENTERS[team]
    return tags


@dataclass
class Line:
    """One usage row before it is rendered into either view."""

    day: date
    resource: int
    quantity: Decimal
    model: str = "OnDemand"  # OnDemand | Reservation | SavingsPlan
    rate: Decimal = Decimal(0)  # amortized rate of commitment-covered usage


def _price(world: World, resource: Resource) -> Decimal:
    return METERS[resource.meter].price * REGIONS[resource.region][2]


def _usage(world: World, month: date, days: int, seed: int) -> list[Line]:
    """Daily usage of every resource, in date then resource order."""
    rng = np.random.default_rng([seed, SALT, 3, month.year * 100 + month.month])
    n = len(world.resources)
    noise = rng.lognormal(0.0, 0.12, size=(days, n))
    runs = rng.random(size=(days, n))
    # 3% growth a month from a fixed epoch, so a month does not depend on the window length
    epoch = (month.year - 2024) * 12 + month.month - 1
    lines = []
    for d in range(days):
        day = month + timedelta(days=d)
        weekend = day.weekday() >= 5
        growth = 1.03 ** (epoch + d / 30)
        for i, res in enumerate(world.resources):
            meter = METERS[res.meter]
            if meter.kind == "monthly":
                quantity = (Decimal(1) / Decimal(_days_in(month))).quantize(QTY)
            elif meter.kind == "hours":
                if res.always_on or meter.low >= 24:
                    hours = 24
                else:
                    share = res.base * (0.5 if weekend else 1.0)
                    if runs[d, i] > share + 0.1:
                        continue  # not running that day
                    hours = int(meter.low + (24 - meter.low) * min(1.0, share * noise[d, i]))
                quantity = Decimal(hours)
            else:
                amount = res.base * growth * noise[d, i] * (0.7 if weekend else 1.0)
                quantity = Decimal(repr(round(float(amount), 6))).quantize(QTY)
            lines.append(Line(day, i, quantity))
    return lines


def _days_in(month: date) -> int:
    return (add_months(month, 1) - month).days


def _apply_commitments(
    world: World, lines: list[Line], month: date, days: int
) -> tuple[list[Line], dict[date, tuple[Decimal, Decimal]], dict[date, Decimal]]:
    """Cover usage with the reservation, then the savings plan; split partly covered rows.

    Returns:
        The usage lines (split where a commitment ran out inside a row); per day the unused
        reservation hours and their cost (the daily fee less the covered usage's amortized
        cost, so covered + unused is the fee); per day the unused savings-plan commitment.
    """
    ri_rate = (RESERVATION_DAILY_FEE / (RESERVED_INSTANCES * 24)).quantize(RATE)
    sp_daily = SAVINGS_PLAN_HOURLY * 24
    out: list[Line] = []
    unused_ri: dict[date, tuple[Decimal, Decimal]] = {}
    unused_sp: dict[date, Decimal] = {}
    by_day: dict[date, list[Line]] = {}
    for line in lines:
        by_day.setdefault(line.day, []).append(line)
    for d in range(days):
        day = month + timedelta(days=d)
        ri_left = Decimal(RESERVED_INSTANCES * 24) if day >= world.reservation_start else None
        sp_left, ri_cost = sp_daily, Decimal(0)
        for line in by_day.get(day, []):
            res = world.resources[line.resource]
            meter = METERS[res.meter]
            rest = line.quantity
            reserved = meter.key == "vm_d4s" and res.resource_group == RESERVATION_GROUP
            if ri_left is not None and reserved and ri_left > 0:
                covered = min(rest, ri_left)
                ri_left -= covered
                rest -= covered
                ri_cost += (covered * ri_rate).quantize(MONEY, ROUND_HALF_UP)
                out.append(Line(day, line.resource, covered, "Reservation", ri_rate))
            if rest > 0 and meter.sp_price > 0 and sp_left > 0:
                sp_rate = meter.sp_price * REGIONS[res.region][2]
                # whole hours the remaining commitment pays for; a remainder below one hour's
                # rate stays unused
                hours = min(rest, Decimal(int(sp_left / sp_rate)))
                if hours > 0:
                    sp_left -= (hours * sp_rate).quantize(MONEY, ROUND_HALF_UP)
                    rest -= hours
                    out.append(Line(day, line.resource, hours, "SavingsPlan", sp_rate))
            if rest > 0:
                out.append(Line(day, line.resource, rest))
        if ri_left is not None:
            unused_ri[day] = (ri_left, RESERVATION_DAILY_FEE - ri_cost)
        unused_sp[day] = sp_left
    return out, unused_ri, unused_sp


class MonthRows:
    """Renders one billing period's rows of both views."""

    def __init__(self, world: World, month: date, is_open: bool) -> None:
        self.world, self.month, self.is_open = world, month, is_open
        self.end = _month_end(month)
        self.invoice = "" if is_open else world.invoices[month]
        self.period = {
            "InvoiceId": self.invoice,
            "BillingAccountId": self.world.account_id,
            "BillingAccountName": ACCOUNT_NAME,
            "BillingProfileId": self.world.profile_id,
            "BillingProfileName": PROFILE_NAME,
            "InvoiceSectionName": self.world.section_name,
            "BillingPeriodEndDate": _mdy(self.end),
            "BillingPeriodStartDate": _mdy(self.month),
            "ServicePeriodEndDate": _mdy(self.end),
            "ServicePeriodStartDate": _mdy(self.month),
            "PublisherType": "Microsoft",
            "PublisherName": "Microsoft",
            "BillingCurrency": CURRENCY,
            "PricingCurrency": CURRENCY,
            "ExchangeRatePricingToBilling": "1",
            "ExchangeRateDate": _mdy(self.month),
            "IsAzureCreditEligible": "True",
            "Frequency": "UsageBased",
            "PricingModel": "OnDemand",
            "ChargeType": "Usage",
            "Provider": "Azure",
        }
        self.days: dict[date, str] = {}

    def base(self, day: date, sub: Subscription) -> dict[str, str]:
        """Columns every row of the period shares, plus the day's and subscription's."""
        if day not in self.days:
            self.days[day] = _mdy(day)
        return self.period | {
            "InvoiceSectionId": sub.invoice_section_id,
            "CostCenter": COST_CENTERS[sub.team],
            "Date": self.days[day],
            "SubscriptionId": sub.id,
            "SubscriptionName": sub.name,
        }

    def money(self, row: dict[str, str], cost: Decimal, payg: Decimal) -> dict[str, str]:
        """Fill the cost columns (one currency, exchange rate 1)."""
        for name in ("CostInBillingCurrency", "CostInPricingCurrency", "CostInUsd"):
            row[name] = _text(cost)
        row["PaygCostInBillingCurrency"] = row["PaygCostInUsd"] = _text(payg)
        return row

    def usage(self, line: Line, view: str) -> dict[str, str]:
        """One usage row; commitment-covered usage costs 0 in actual data."""
        world = self.world
        res = world.resources[line.resource]
        meter, region = METERS[res.meter], REGIONS[res.region]
        sub = world.subscriptions[res.subscription]
        price = _price(world, res)
        row = self.base(line.day, sub)
        row.update(
            ServiceFamily=meter.family,
            ConsumedService=meter.service,
            MeterId=world.meter_ids[(res.meter, res.region)],
            MeterName=meter.name,
            MeterCategory=meter.category,
            MeterSubCategory=meter.subcategory,
            MeterRegion=region[1],
            ProductName=f"{meter.category} {meter.subcategory} - {meter.name} - {region[1]}",
            ResourceGroupName=res.resource_group,
            ResourceId=res.resource_id,
            ResourceLocation=region[0],
            Location=region[1],
            Quantity=_text(line.quantity),
            UnitOfMeasure=meter.unit,
            Tags=res.tags,
            PayGPrice=_text(price),
            UnitPrice=_text(price),
            PricingModel=line.model,
        )
        if meter.vm_size:
            row["AdditionalInfo"] = json.dumps(
                {"ServiceType": meter.vm_size, "VMName": res.name, "VCPUs": 4},
                separators=(",", ":"),
            )
        payg = (line.quantity * price).quantize(MONEY, ROUND_HALF_UP)
        if line.model == "OnDemand":
            row["EffectivePrice"] = _text(price)
            return self.money(row, payg, payg)
        benefit = world.reservation if line.model == "Reservation" else world.savings_plan
        row.update(BenefitId=benefit["benefit_id"], BenefitName=benefit["name"])
        if line.model == "Reservation":
            row.update(
                ReservationId=benefit["id"],
                ReservationName=benefit["name"],
                ProductOrderId=benefit["order_id"],
                ProductOrderName=benefit["order_name"],
                Term="12",
            )
        if view == "actual":
            row["EffectivePrice"] = "0"
            return self.money(row, Decimal(0), payg)
        row["EffectivePrice"] = _text(line.rate)
        return self.money(row, (line.quantity * line.rate).quantize(MONEY, ROUND_HALF_UP), payg)

    def commitment(
        self, kind: str, day: date, charge: str, quantity: Decimal, price: Decimal, cost: Decimal
    ) -> dict[str, str]:
        """A purchase or an unused-commitment row, billed to the platform subscription."""
        world = self.world
        reservation = kind == "Reservation"
        benefit = world.reservation if reservation else world.savings_plan
        row = self.base(day, world.subscriptions[0])
        row.update(
            ChargeType=charge,
            PricingModel=kind,
            ServiceFamily="Compute",
            ConsumedService="Microsoft.Capacity" if reservation else "Microsoft.BillingBenefits",
            ProductOrderId=benefit["order_id"],
            ProductOrderName=benefit["order_name"],
            ProductName=benefit["order_name"],
            Quantity=_text(quantity),
            UnitOfMeasure="1 Hour",
            EffectivePrice=_text(price),
            UnitPrice=_text(price),
            PayGPrice="0",
            Term="12",
            BenefitId=benefit["benefit_id"],
            BenefitName=benefit["name"],
        )
        if reservation:
            row.update(ReservationId=benefit["id"], ReservationName=benefit["name"])
            row.update(MeterCategory="Virtual Machines", MeterName="D4s v5", MeterRegion="US East")
        if charge == "Purchase":
            row["Frequency"] = "OneTime" if reservation else "Recurring"
            if reservation:
                row["ServicePeriodStartDate"] = _mdy(day)
                row["ServicePeriodEndDate"] = _mdy(add_months(day, 12) - timedelta(days=1))
        return self.money(row, cost, Decimal(0))

    def marketplace(self, day: date) -> dict[str, str]:
        """A monthly Marketplace SaaS charge: in actual and amortized data alike."""
        publisher, plan, product, amount = MARKETPLACE
        sub = self.world.subscriptions[2]
        row = self.base(day, sub)
        row.update(
            ChargeType="Purchase",
            Frequency="Recurring",
            PublisherType="Marketplace",
            PublisherName=publisher,
            ProductName=product,
            Quantity="1",
            UnitOfMeasure="1 Month",
            EffectivePrice=amount,
            UnitPrice=amount,
            PayGPrice=amount,
            IsAzureCreditEligible="False",
            Tags=json.dumps({"team": sub.team, "env": sub.environment}, separators=(",", ":")),
            AdditionalInfo=json.dumps({"PlanName": plan}, separators=(",", ":")),
        )
        return self.money(row, Decimal(amount), Decimal(amount))


def month_views(
    world: World, month: date, is_open: bool, seed: int
) -> tuple[dict[str, list[dict[str, str]]], dict[str, Any]]:
    """Both views' rows of one billing period, and the commitments' use that period.

    Args:
        world: the drawn world.
        month: first day of the billing period.
        is_open: the open period (usage through OPEN_MONTH_DAYS, no invoice id).
        seed: the request seed.

    Returns:
        `{"actual": rows, "amortized": rows}` and the commitment figures of the period.
    """
    days = OPEN_MONTH_DAYS if is_open else _days_in(month)
    lines, unused_ri, unused_sp = _apply_commitments(
        world, _usage(world, month, days, seed), month, days
    )
    render = MonthRows(world, month, is_open)
    views: dict[str, list[dict[str, str]]] = {"actual": [], "amortized": []}
    for view in views:
        views[view].append(render.marketplace(month))
    hours_in_month = Decimal(_days_in(month) * 24)
    views["actual"].append(
        render.commitment(
            "SavingsPlan",
            month,
            "Purchase",
            hours_in_month,
            SAVINGS_PLAN_HOURLY,
            SAVINGS_PLAN_HOURLY * hours_in_month,
        )
    )
    if world.reservation_start.replace(day=1) == month:
        views["actual"].append(
            render.commitment(
                "Reservation",
                world.reservation_start,
                "Purchase",
                Decimal(RESERVED_INSTANCES),
                RESERVATION_UPFRONT / RESERVED_INSTANCES,
                RESERVATION_UPFRONT,
            )
        )
    for line in lines:
        for view in views:
            views[view].append(render.usage(line, view))
    ri_rate = (RESERVATION_DAILY_FEE / (RESERVED_INSTANCES * 24)).quantize(RATE)
    for day, (hours, cost) in sorted(unused_ri.items()):
        if hours > 0:
            views["amortized"].append(
                render.commitment("Reservation", day, "UnusedReservation", hours, ri_rate, cost)
            )
    for day, left in sorted(unused_sp.items()):
        if left > 0:
            views["amortized"].append(
                render.commitment(
                    "SavingsPlan",
                    day,
                    "UnusedSavingsPlan",
                    (left / SAVINGS_PLAN_HOURLY).quantize(QTY),
                    SAVINGS_PLAN_HOURLY,
                    left,
                )
            )
    ri_capacity = Decimal(RESERVED_INSTANCES * 24 * len(unused_ri))
    sp_capacity = SAVINGS_PLAN_HOURLY * 24 * days
    usage = {
        "reservation": (
            _text(
                ((ri_capacity - sum(h for h, _ in unused_ri.values())) / ri_capacity).quantize(QTY)
            )
            if ri_capacity
            else None
        ),
        "savings_plan": _text(
            ((sp_capacity - sum(unused_sp.values())) / sp_capacity).quantize(QTY)
        ),
    }
    return views, usage


def _csv_bytes(rows: list[dict[str, str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(HEADER)
    writer.writerows([row.get(name, "") for name in HEADER] for row in rows)
    return buffer.getvalue().encode("utf-8")


def write_run(
    world: World, root: Path, month: date, view: str, rows: list[dict[str, str]], is_open: bool
) -> tuple[list[Path], Path]:
    """Write one export run (part files and `_manifest.json`) of a billing period.

    Returns:
        The part files and the manifest.
    """
    end = _month_end(month)
    export, run_id = EXPORTS[view], world.runs[(month, view)]
    folder = f"{export}/{month:%Y%m%d}-{end:%Y%m%d}/{run_id}"
    directory = root / folder
    directory.mkdir(parents=True, exist_ok=True)
    gzipped = view == "amortized"  # one gzip and one plain export exercise both readers
    blobs, parts = [], []
    for n, start in enumerate(range(0, len(rows), PART_ROWS), start=1):
        chunk = rows[start : start + PART_ROWS]
        data = _csv_bytes(chunk)
        name = f"part_0_{n:04d}.csv"
        if gzipped:
            data, name = gzip.compress(data, mtime=0), f"{name}.gz"
        (directory / name).write_bytes(data)
        parts.append(directory / name)
        blobs.append(
            {
                "blobName": f"{ROOT_FOLDER}/{folder}/{name}",
                "byteCount": len(data),
                "dataRowCount": len(chunk),
            }
        )
    # closed months are exported on the 5th of the next month; the open one after day 20
    submitted = add_months(month, 1) + timedelta(days=4) if not is_open else month.replace(day=21)
    manifest = {
        "manifestVersion": "2024-04-01",
        "byteCount": sum(b["byteCount"] for b in blobs),
        "blobCount": len(blobs),
        "dataRowCount": len(rows),
        "exportConfig": {
            "exportName": export,
            "resourceId": f"{world.scope}/providers/Microsoft.CostManagement/exports/{export}",
            "dataVersion": DATA_VERSION,
            "apiVersion": API_VERSION,
            "type": EXPORT_TYPES[view],
            "timeFrame": "BillingMonthToDate" if is_open else "TheLastBillingMonth",
            "granularity": "Daily",
        },
        "deliveryConfig": {
            "partitionData": True,
            "dataOverwriteBehavior": "OverwritePreviousReport",
            "fileFormat": "Csv",
            "compressionMode": "gzip" if gzipped else "None",
            "containerUri": (
                "/subscriptions/" + world.subscriptions[0].id + "/resourceGroups/rg-finops/"
                "providers/Microsoft.Storage/storageAccounts/nwfinopsexports"
            ),
            "rootFolderPath": ROOT_FOLDER,
        },
        "runInfo": {
            "executionType": "Scheduled",
            "submittedTime": f"{submitted:%Y-%m-%d}T06:{month.month:02d}:17.4263159Z",
            "runId": run_id,
            "startDate": f"{month:%Y-%m-%d}T00:00:00",
            "endDate": f"{end:%Y-%m-%d}T00:00:00",
        },
        "blobs": blobs,
    }
    path = directory / "_manifest.json"
    path.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return parts, path


def _total(rows: list[dict[str, str]]) -> dict[str, str]:
    totals: dict[str, Decimal] = {}
    for row in rows:
        currency = row["BillingCurrency"]
        totals[currency] = totals.get(currency, Decimal(0)) + Decimal(row["CostInBillingCurrency"])
    return {currency: _text(total) for currency, total in sorted(totals.items())}


def _charge_counts(rows: list[dict[str, str]]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for row in rows:
        key = f"{row['ChargeType']}/{row['PricingModel']}"
        counts[key] = counts.get(key, 0) + 1
    return dict(sorted(counts.items()))


def _tag_truth(world: World) -> dict[str, Any]:
    n = len(world.resources)
    conditions = [r.tag_condition for r in world.resources]
    return {
        "unit": "resource",
        "resource_count": n,
        "target_shares": dict(TAG_MESS_SHARES),
        "actual_shares": {c: round(conditions.count(c) / n, 6) for c in TAG_MESS_SHARES},
        "canonical_teams": list(TEAMS),
        "key_variants": ["team", "Team"],
        "value_misspellings": dict(MISSPELLINGS),
        "owner_to_team": dict(OWNERS),
        "true_team_by_resource": {r.resource_id: r.team for r in world.resources},
    }


@register("azure")
def generate_azure(request: GenerationRequest) -> ProviderOutput:
    """Write the ActualCost and AmortizedCost export runs of every billing period under `azure/`.

    Args:
        request: the generation request.

    Returns:
        Files, rows per month (both views), the `azure` ground-truth section and the root.
    """
    root = request.out_dir / ROOT
    if root.exists():
        shutil.rmtree(root)
    world = build_world(request)
    files: list[Path] = []
    rows_per_month: dict[str, int] = {}
    periods: list[dict[str, Any]] = []
    utilization: dict[str, dict[str, str | None]] = {}
    for month in request.periods:
        is_open = month == request.periods[-1]
        views, used = month_views(world, month, is_open, request.seed)
        key = f"{month:%Y-%m}"
        runs = {}
        for view, rows in views.items():
            parts, manifest = write_run(world, root, month, view, rows, is_open)
            files += [*parts, manifest]
            runs[view] = {
                "export_name": EXPORTS[view],
                "run_id": world.runs[(month, view)],
                "manifest": manifest.relative_to(root).as_posix(),
                "data_files": [p.relative_to(root).as_posix() for p in parts],
                "row_count": len(rows),
                "row_count_by_charge": _charge_counts(rows),
            }
        rows_per_month[key] = sum(len(rows) for rows in views.values())
        utilization[key] = used
        periods.append(
            {
                "billing_period": key,
                "is_final": not is_open,
                "invoice_id": world.invoices.get(month, ""),
                "delivered_through": (
                    f"{month + timedelta(days=OPEN_MONTH_DAYS - 1):%Y-%m-%d}"
                    if is_open
                    else f"{_month_end(month):%Y-%m-%d}"
                ),
                "runs": runs,
                "billed_total": _total(views["actual"]),  # sum of actual CostInBillingCurrency
                "effective_total": _total(views["amortized"]),  # sum of amortized cost
            }
        )
        request.progress(f"azure {key}: {rows_per_month[key]:,} rows (actual + amortized)")
    truth = {
        "root": ROOT,
        "agreement": "MCA",
        "billing_account_id": world.account_id,
        "billing_account_name": ACCOUNT_NAME,
        "billing_profile_id": world.profile_id,
        "scope": world.scope,
        "currency": CURRENCY,
        "open_month": f"{request.periods[-1]:%Y-%m}",
        "open_month_delivered_days": OPEN_MONTH_DAYS,
        "exports": {view: {"name": EXPORTS[view], "type": EXPORT_TYPES[view]} for view in EXPORTS},
        "subscriptions": [
            {"id": s.id, "name": s.name, "team": s.team, "environment": s.environment}
            for s in world.subscriptions
        ],
        "billing_periods": periods,
        "commitments": [
            {
                "kind": "reservation",
                "benefit_id": world.reservation["benefit_id"],
                "name": world.reservation["name"],
                "instances": RESERVED_INSTANCES,
                "upfront_payment": _text(RESERVATION_UPFRONT),
                "purchased": world.reservation_start.isoformat(),
                "utilization": {k: u["reservation"] for k, u in utilization.items()},
            },
            {
                "kind": "savings_plan",
                "benefit_id": world.savings_plan["benefit_id"],
                "name": world.savings_plan["name"],
                "hourly_commitment": _text(SAVINGS_PLAN_HOURLY),
                "billing": "monthly",
                "utilization": {k: u["savings_plan"] for k, u in utilization.items()},
            },
        ],
        "tag_mess": _tag_truth(world),
    }
    return ProviderOutput(files, rows_per_month, truth, roots={"azure": root})
