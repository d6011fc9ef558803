"""Draw the AWS resources of the sample: where they live, what they cost and how they are tagged.

Resources are drawn once per seed and live through the whole window, so a resource id keeps
its tags and owner across months as in a real estate.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .aws_catalog import (
    ACCOUNTS,
    COST_CENTERS,
    MISSPELLINGS,
    OWNERS,
    PAYERS,
    PRODUCT_CODES,
    PROFILE_INDEX,
    PROFILES,
    REGIONS,
    TAG_MESS_SHARES,
    TEAMS,
)

# resources the commitments and discounts need, placed before the random draw so they exist
# at every scale: (payer, profile, region code or None for global, count)
REQUIRED: tuple[tuple[int, str, str | None, int], ...] = (
    (0, "ec2_m5", "us-east-1", 3),  # EC2 Instance Savings Plan scope (m5, us-east-1)
    (0, "rds_r6g", "us-east-1", 2),  # RDS reserved instance
    (0, "cf_out", None, 1),  # private rate discount on CloudFront
    (0, "lambda_gbs", "us-east-1", 1),
    (1, "ec2_m5", "us-east-1", 2),  # EC2 reserved instance
    (1, "ec2_c6g", "us-west-2", 2),  # Compute Savings Plan usage beyond the RI
    (1, "lambda_gbs", "us-east-1", 1),
    (1, "cf_out", None, 1),  # bundled discount on CloudFront
    (1, "ddb_rcu", "us-east-1", 1),
)
# share of instance resources that never stop (the rest scale with demand)
ALWAYS_ON_SHARE = 0.45
WORDS = ("api", "worker", "ingest", "web", "etl", "cache", "batch", "feed", "index", "auth")


@dataclass(frozen=True)
class Catalog:
    """All resources, as aligned arrays plus per-resource strings."""

    payer: np.ndarray
    account: np.ndarray  # index into ACCOUNTS
    profile: np.ndarray  # index into PROFILES
    region: np.ndarray  # index into REGIONS; -1 for global services
    base: np.ndarray  # continuous: hourly amount; instance: run probability
    always_on: np.ndarray
    rate: np.ndarray  # on-demand rate in the resource's region
    series: np.ndarray  # (account, product code) series index of the daily shape
    resource_ids: list[str]
    zones: list[str]
    tags: list[dict[str, str]]
    tag_condition: list[str]
    team: list[str]  # true owning team, tagged or not

    def __len__(self) -> int:
        return len(self.payer)


def series_index(account: int, product_code: str) -> int:
    """Daily-shape series of an (account, product code) pair."""
    return account * len(PRODUCT_CODES) + PRODUCT_CODES.index(product_code)


def build_catalog(rng: np.random.Generator, n_resources: int) -> Catalog:
    """Draw `n_resources` resources (at least the REQUIRED ones) and tag them.

    Args:
        rng: generator for every draw.
        n_resources: how many resources to draw.

    Returns:
        The catalog.
    """
    payer, account, profile, region = _placement(rng, n_resources)
    n = len(payer)
    lows = np.array([p.base[0] for p in PROFILES])[profile]
    highs = np.array([p.base[1] for p in PROFILES])[profile]
    is_instance = np.array([p.kind == "instance" for p in PROFILES])[profile]
    # continuous amounts are log-uniform (a few big buckets, many small); run odds uniform
    draw = rng.random(n)
    base = np.where(is_instance, lows + draw * (highs - lows), lows * (highs / lows) ** draw)
    always_on = is_instance & ((rng.random(n) < ALWAYS_ON_SHARE) | (lows >= 1.0))
    factors = np.array([r.price_factor for r in REGIONS] + [1.0])[region]
    rate = np.round(np.array([p.rate for p in PROFILES])[profile] * factors, 10)
    series = np.array(
        [
            series_index(int(a), PROFILES[p].product_code)
            for a, p in zip(account, profile, strict=True)
        ]
    )
    team = _teams(rng, account)
    env = [_environment(rng, int(a)) for a in account]
    ids = [
        _resource_id(rng, int(a), int(p), int(r), t, e)
        for a, p, r, t, e in zip(account, profile, region, team, env, strict=True)
    ]
    zones = [
        REGIONS[int(r)].code + "abc"[int(rng.integers(3))] if PROFILES[int(p)].zonal else ""
        for p, r in zip(profile, region, strict=True)
    ]
    conditions = _tag_conditions(rng, n)
    tags = [_tags(rng, c, t, e) for c, t, e in zip(conditions, team, env, strict=True)]
    return Catalog(
        payer,
        account,
        profile,
        region,
        base,
        always_on,
        rate,
        series,
        ids,
        zones,
        tags,
        conditions,
        team,
    )


def _placement(
    rng: np.random.Generator, n_resources: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    rows: list[tuple[int, int, int, int]] = []
    for payer, key, region_code, count in REQUIRED:
        accounts = [i for i, (p, _) in enumerate(ACCOUNTS) if p == payer]
        region = next((i for i, r in enumerate(REGIONS) if r.code == region_code), -1)
        for _ in range(count):
            account = accounts[int(rng.integers(len(accounts)))]
            rows.append((payer, account, PROFILE_INDEX[key], region))
    n_random = max(0, n_resources - len(rows))
    shares = np.array([p.resource_share for p in PAYERS])
    payers = rng.choice(len(PAYERS), size=n_random, p=shares / shares.sum())
    weights = np.array([p.weight for p in PROFILES])
    profiles = rng.choice(len(PROFILES), size=n_random, p=weights / weights.sum())
    region_weights = np.array([r.weight for r in REGIONS])
    regions = rng.choice(len(REGIONS), size=n_random, p=region_weights / region_weights.sum())
    picks = rng.random(n_random)
    for payer, prof, region, pick in zip(payers, profiles, regions, picks, strict=True):
        accounts = [i for i, (p, _) in enumerate(ACCOUNTS) if p == payer]
        account = accounts[int(pick * len(accounts))]
        rows.append((int(payer), account, int(prof), -1 if PROFILES[prof].is_global else region))
    columns = np.array(rows, dtype=np.int64).T
    return columns[0], columns[1], columns[2], columns[3]


def _teams(rng: np.random.Generator, account: np.ndarray) -> list[str]:
    teams = []
    for a in account:
        primary = ACCOUNTS[int(a)][1].primary_team
        # most resources belong to the account's team; the rest are shared or borrowed
        if primary is not None and rng.random() < 0.75:
            teams.append(primary)
        else:
            teams.append(TEAMS[int(rng.integers(len(TEAMS)))])
    return teams


def _environment(rng: np.random.Generator, account: int) -> str:
    if ACCOUNTS[account][1].environment == "dev":
        return "dev"
    return "prod" if rng.random() < 0.8 else "staging"


def _resource_id(
    rng: np.random.Generator, account: int, profile: int, region: int, team: str, env: str
) -> str:
    account_id = ACCOUNTS[account][1].account_id
    region_code = REGIONS[region].code if region >= 0 else ""
    word = WORDS[int(rng.integers(len(WORDS)))]
    suffix = rng.bytes(9).hex()
    name = f"{team}-{word}-{suffix[:6]}"
    pattern = PROFILES[profile].resource
    if pattern == "ec2":
        return f"i-{suffix[:17]}"
    if pattern == "vol":
        return f"vol-{suffix[:17]}"
    if pattern == "rds":
        return f"arn:aws:rds:{region_code}:{account_id}:db:{name}"
    if pattern == "bucket":
        return f"{name}-{env}"
    if pattern == "lambda":
        return f"arn:aws:lambda:{region_code}:{account_id}:function:{name}"
    if pattern == "cf":
        return f"arn:aws:cloudfront::{account_id}:distribution/E{suffix[:13].upper()}"
    if pattern == "ddb":
        return f"arn:aws:dynamodb:{region_code}:{account_id}:table/{name}"
    return f"arn:aws:eks:{region_code}:{account_id}:cluster/{team}-{env}-{suffix[:4]}"


def _tag_conditions(rng: np.random.Generator, n: int) -> list[str]:
    """Exact quotas (largest remainder), shuffled: realised shares match the stated ones."""
    names = list(TAG_MESS_SHARES)
    raw = np.array([TAG_MESS_SHARES[c] for c in names]) * n
    counts = np.floor(raw).astype(int)
    for i in np.argsort(-(raw - counts), kind="stable")[: n - counts.sum()]:
        counts[i] += 1
    conditions = np.repeat(np.array(names), counts)
    return [str(c) for c in rng.permutation(conditions)]


def _tags(rng: np.random.Generator, condition: str, team: str, env: str) -> dict[str, str]:
    tags: dict[str, str] = {}
    if condition in ("clean", "misspelled"):
        misspelled = [k for k, v in MISSPELLINGS.items() if v == team]
        tags["user_team"] = team if condition == "clean" else str(rng.choice(misspelled))
    elif condition == "key_variant":
        tags["user_Team"] = team
    elif condition == "owner_only":
        owners = [k for k, v in OWNERS.items() if v == team]
        tags["user_owner"] = str(rng.choice(owners))
    # env is on nearly every tagged resource; untagged ones carry only env half the time
    if rng.random() < (0.5 if condition == "missing" else 0.9):
        tags["user_env"] = env
    if condition == "clean" and rng.random() < 0.4:
        tags["user_cost_center"] = COST_CENTERS[team]
    return tags
