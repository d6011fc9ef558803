"""Static world of the AWS sample: payers, linked accounts, regions, priced usage profiles, teams.

Prices are public us-east-1 on-demand list prices (rounded); other regions apply a factor.
Nothing here is random: the seed only decides which resources exist and how they are used.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Account:
    """A linked (usage) account."""

    account_id: str
    name: str
    primary_team: str | None  # team owning most resources; None = shared sandbox
    environment: str  # prod | dev


@dataclass(frozen=True)
class Payer:
    """A payer (management) account with its own Data Export."""

    account_id: str
    name: str
    export_name: str
    business_unit: str
    legal_entity: str
    tax_type: str
    tax_rate: float
    resource_share: float  # share of all resources living under this payer
    accounts: tuple[Account, ...]


PAYERS: tuple[Payer, ...] = (
    Payer(
        account_id="482913047561",
        name="Northwind Core",
        export_name="northwind-core-cur2",
        business_unit="core",
        legal_entity="Amazon Web Services, Inc.",
        tax_type="USSalesTax",
        tax_rate=0.0625,
        resource_share=0.6,
        accounts=(
            Account("310584920176", "nw-shared-services", "platform", "prod"),
            Account("610293847510", "nw-payments-prod", "payments", "prod"),
            Account("739120485736", "nw-data-prod", "data", "prod"),
            Account("824601937452", "nw-sandbox", None, "dev"),
        ),
    ),
    Payer(
        account_id="905718264031",
        name="Northwind Labs",
        export_name="northwind-labs-cur2",
        business_unit="labs",
        legal_entity="Amazon Web Services EMEA SARL",
        tax_type="VAT",
        tax_rate=0.2,
        resource_share=0.4,
        accounts=(
            Account("157302948617", "labs-ml-prod", "ml", "prod"),
            Account("268410395726", "labs-search-prod", "search", "prod"),
            Account("379520614835", "labs-mobile-dev", "mobile", "dev"),
        ),
    ),
)

# flat (payer index, account) list; resources and series refer to accounts by this index
ACCOUNTS: tuple[tuple[int, Account], ...] = tuple(
    (p, account) for p, payer in enumerate(PAYERS) for account in payer.accounts
)
ACCOUNT_INDEX = {account.account_id: i for i, (_, account) in enumerate(ACCOUNTS)}


def cost_category(account: int) -> dict[str, str]:
    """The `cost_category` map of every line of an account (index into ACCOUNTS)."""
    payer, info = ACCOUNTS[account]
    environment = "production" if info.environment == "prod" else "non-production"
    return {"business_unit": PAYERS[payer].business_unit, "environment": environment}


@dataclass(frozen=True)
class Region:
    """An AWS region with the usage-type prefix AWS puts on its usage types."""

    code: str
    usage_prefix: str
    location: str
    price_factor: float
    weight: float


REGIONS: tuple[Region, ...] = (
    Region("us-east-1", "", "US East (N. Virginia)", 1.0, 0.55),
    Region("us-west-2", "USW2-", "US West (Oregon)", 1.0, 0.30),
    Region("eu-west-1", "EU-", "EU (Ireland)", 1.08, 0.15),
)


@dataclass(frozen=True)
class Profile:
    """One priced kind of usage (a SKU family), from which resources are drawn."""

    key: str
    product_code: str
    product_name: str
    family: str
    usage_type: str  # without the region prefix
    operation: str
    unit: str
    rate: float  # us-east-1 on-demand USD per unit
    kind: str  # instance: 1 hour per running hour; continuous: any amount every hour
    base: tuple[float, float]  # continuous: hourly amount range; instance: run-probability range
    resource: str  # resource-id pattern
    weight: float  # relative frequency among drawn resources
    amp: float = 1.0  # how much weekly seasonality and daily noise move it (storage: little)
    diurnal: bool = True
    instance_type: str = ""
    normalization: float | None = None
    sp_ratio: float = 0.0  # Compute Savings Plan rate / on-demand rate; 0 = not eligible
    zonal: bool = False
    is_global: bool = False
    integer_amount: bool = False
    servicecode: str = ""  # product_servicecode when it differs from the product code


PROFILES: tuple[Profile, ...] = (
    Profile("ec2_m5", "AmazonEC2", "Amazon Elastic Compute Cloud", "Compute Instance",
            "BoxUsage:m5.xlarge", "RunInstances", "Hrs", 0.192, "instance", (0.55, 0.9),
            "ec2", 10, instance_type="m5.xlarge", normalization=8, sp_ratio=0.72, zonal=True),
    Profile("ec2_c6g", "AmazonEC2", "Amazon Elastic Compute Cloud", "Compute Instance",
            "BoxUsage:c6g.2xlarge", "RunInstances", "Hrs", 0.272, "instance", (0.5, 0.9),
            "ec2", 6, instance_type="c6g.2xlarge", normalization=16, sp_ratio=0.7, zonal=True),
    Profile("ec2_r5", "AmazonEC2", "Amazon Elastic Compute Cloud", "Compute Instance",
            "BoxUsage:r5.large", "RunInstances", "Hrs", 0.126, "instance", (0.6, 0.95),
            "ec2", 5, instance_type="r5.large", normalization=4, sp_ratio=0.73, zonal=True),
    Profile("ec2_t3", "AmazonEC2", "Amazon Elastic Compute Cloud", "Compute Instance",
            "BoxUsage:t3.medium", "RunInstances", "Hrs", 0.0416, "instance", (0.4, 0.9),
            "ec2", 6, instance_type="t3.medium", normalization=2, sp_ratio=0.75, zonal=True),
    Profile("ebs_gp3", "AmazonEC2", "Amazon Elastic Compute Cloud", "Storage",
            "EBS:VolumeUsage.gp3", "CreateVolume-Gp3", "GB-Mo", 0.08, "continuous",
            (100 / 730, 4000 / 730), "vol", 8, amp=0.15, diurnal=False, zonal=True),
    Profile("rds_r6g", "AmazonRDS", "Amazon Relational Database Service", "Database Instance",
            "InstanceUsage:db.r6g.large", "CreateDBInstance:0014", "Hrs", 0.258, "instance",
            (0.8, 1.0), "rds", 4, instance_type="db.r6g.large", normalization=4, zonal=True),
    Profile("rds_gp3", "AmazonRDS", "Amazon Relational Database Service", "Database Storage",
            "RDS:GP3-Storage", "CreateDBInstance:0014", "GB-Mo", 0.115, "continuous",
            (200 / 730, 3000 / 730), "rds", 3, amp=0.1, diurnal=False),
    Profile("s3_storage", "AmazonS3", "Amazon Simple Storage Service", "Storage",
            "TimedStorage-ByteHrs", "StandardStorage", "GB-Mo", 0.023, "continuous",
            (500 / 730, 80000 / 730), "bucket", 6, amp=0.1, diurnal=False),
    Profile("s3_requests", "AmazonS3", "Amazon Simple Storage Service", "API Request",
            "Requests-Tier1", "PutObject", "Requests", 0.000005, "continuous",
            (20_000, 900_000), "bucket", 4, integer_amount=True),
    Profile("lambda_gbs", "AWSLambda", "AWS Lambda", "Serverless", "Lambda-GB-Second",
            "Invoke", "Lambda-GB-Second", 0.0000166667, "continuous", (8_000, 250_000),
            "lambda", 6, sp_ratio=0.83),
    Profile("lambda_req", "AWSLambda", "AWS Lambda", "Serverless", "Request", "Invoke",
            "Requests", 0.0000002, "continuous", (50_000, 3_000_000), "lambda", 3,
            integer_amount=True),
    Profile("cf_out", "AmazonCloudFront", "Amazon CloudFront", "Data Transfer",
            "US-DataTransfer-Out-Bytes", "GET", "GB", 0.085, "continuous", (5, 250), "cf", 4,
            is_global=True),
    Profile("cf_req", "AmazonCloudFront", "Amazon CloudFront", "Request", "US-Requests-Tier1",
            "GET", "Requests", 0.00000075, "continuous", (100_000, 4_000_000), "cf", 2,
            is_global=True, integer_amount=True),
    Profile("ddb_rcu", "AmazonDynamoDB", "Amazon DynamoDB", "Provisioned IOPS",
            "ReadCapacityUnit-Hrs", "CommittedThroughput", "ReadCapacityUnit-Hrs", 0.00013,
            "continuous", (200, 8_000), "ddb", 4, integer_amount=True),
    Profile("ddb_storage", "AmazonDynamoDB", "Amazon DynamoDB", "Database Storage",
            "TimedStorage-ByteHrs", "StandardStorage", "GB-Mo", 0.25, "continuous",
            (10 / 730, 900 / 730), "ddb", 2, amp=0.1, diurnal=False),
    Profile("eks_cluster", "AmazonEKS", "Amazon Elastic Container Service for Kubernetes",
            "Compute", "AmazonEKS-Hours:perCluster", "CreateOperation", "Hours", 0.10,
            "instance", (1.0, 1.0), "eks", 2),
)  # fmt: skip

PROFILE_INDEX = {profile.key: i for i, profile in enumerate(PROFILES)}
PRODUCT_CODES: tuple[str, ...] = tuple(sorted({p.product_code for p in PROFILES}))

# products whose usage can spike in a day (request/traffic driven) or shift level
SPIKE_PRODUCTS = ("AWSLambda", "AmazonCloudFront", "AmazonDynamoDB")
SHIFT_PRODUCTS = ("AmazonDynamoDB", "AmazonS3", "AWSLambda", "AmazonCloudFront")

TEAMS: tuple[str, ...] = ("platform", "payments", "data", "search", "mobile", "ml")
# misspelled owner values as they appear in real tag reports; the map gives the true team
MISSPELLINGS: dict[str, str] = {
    "PLATFORM": "platform",
    "platfrom": "platform",
    "paymnets": "payments",
    "Payments": "payments",
    "Data ": "data",
    "DATA": "data",
    "serach": "search",
    "Search": "search",
    "moblie": "mobile",
    "Mobile ": "mobile",
    "ML": "ml",
    "ml ": "ml",
}
OWNERS: dict[str, str] = {
    "a.kowalski@northwind.example": "platform",
    "j.osei@northwind.example": "platform",
    "m.fischer@northwind.example": "payments",
    "r.tanaka@northwind.example": "payments",
    "s.haddad@northwind.example": "data",
    "l.moreau@northwind.example": "data",
    "k.nguyen@northwind.example": "search",
    "d.silva@northwind.example": "mobile",
    "p.shah@northwind.example": "ml",
    "e.larsen@northwind.example": "ml",
}
COST_CENTERS: dict[str, str] = {
    "platform": "cc-1001",
    "payments": "cc-2001",
    "data": "cc-3001",
    "search": "cc-4001",
    "mobile": "cc-5001",
    "ml": "cc-6001",
}
# share of resources per tag condition (stated in ground truth; the test checks the data)
TAG_MESS_SHARES: dict[str, float] = {
    "clean": 0.70,  # user_team with a canonical value
    "key_variant": 0.08,  # user_Team instead of user_team
    "owner_only": 0.07,  # user_owner (a person) and no team tag
    "misspelled": 0.05,  # user_team with a misspelled or mis-cased value
    "missing": 0.10,  # no team tag at all; half of these carry only user_env
}
