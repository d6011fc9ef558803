"""The business metrics JSON API: GET pages following `next` links, bearer token from the env.

A page is either a JSON array of records, or an object holding the records under `data`,
`items`, `results` or `metrics` with the next page's URL under `next` (or `links.next`);
relative links are resolved against the page's URL. Records are long
(`{date, product, metric, value[, unit]}`) or wide (`{date, product, orders, revenue, ...}`).
"""

from __future__ import annotations

import hashlib
import json
import os
from typing import Any
from urllib.parse import urljoin

from ingestion.accounts.http import HttpSourceError, get_json

from .reader import MetricsError

TOKEN_ENV = "FINOPS_BUSINESS_METRICS_TOKEN"
RECORD_KEYS = ("data", "items", "results", "metrics")
MAX_PAGES = 10_000  # a `next` loop must end


def is_url(path: str) -> bool:
    """True for an http(s) API location."""
    return path.startswith(("http://", "https://"))


def fetch(url: str, timeout: float = 30.0) -> tuple[list[Any], str]:
    """Every record of the API, and an md5 of the pages as delivered.

    Raises:
        MetricsError: a request failed, a page has an unknown shape, or pages loop.
    """
    token = os.environ.get(TOKEN_ENV)
    records: list[Any] = []
    digest = hashlib.md5(usedforsecurity=False)
    seen: set[str] = set()
    next_url: str | None = url
    while next_url:
        if next_url in seen or len(seen) >= MAX_PAGES:
            raise MetricsError(f"{url}: pagination loops back to {next_url}")
        seen.add(next_url)
        try:
            page = get_json(next_url, token, timeout, exact_numbers=True)
        except HttpSourceError as error:
            raise MetricsError(str(error)) from error
        digest.update(json.dumps(page, sort_keys=True, default=str).encode())
        if isinstance(page, list):
            records += page
            break
        if not isinstance(page, dict):
            raise MetricsError(f"{next_url}: page is neither a list nor an object")
        key = next((k for k in RECORD_KEYS if isinstance(page.get(k), list)), None)
        if key is None:
            raise MetricsError(f"{next_url}: page has no records list ({', '.join(RECORD_KEYS)})")
        records += page[key]
        link = page.get("next")
        if link is None and isinstance(page.get("links"), dict):
            link = page["links"].get("next")
        next_url = urljoin(next_url, link) if link else None
    return records, digest.hexdigest()
