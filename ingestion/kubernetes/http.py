"""Fetch OpenCost / Kubecost `/allocation` responses over HTTP, one billing month per request.

The query asks for daily sets (`step=1d`, `accumulate=false`) over the month as an RFC 3339
window, with idle costs per node, as documented at https://opencost.io/docs/integrations/api.
Kubecost serves the same API under `/model`: give `http://host:9090/model` as the base URL.
"""

from __future__ import annotations

import os
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

DEFAULT_QUERY = {
    "step": "1d",
    "accumulate": "false",
    "aggregate": "cluster,node,namespace,controllerKind,controller,pod",
    "includeIdle": "true",
    "idleByNode": "true",
}
TOKEN_ENV = "FINOPS_KUBERNETES_TOKEN"


class SourceUnavailable(RuntimeError):
    """The endpoint failed for a reason that may pass (HTTP 5xx, timeout, refused connection).

    Nothing of the run is loaded; run it again later.
    """


class SourceRefused(RuntimeError):
    """The endpoint refused the request (HTTP 4xx): a configuration problem, not transient."""


def is_url(path: str) -> bool:
    """True for an http(s):// base URL."""
    return path.lower().startswith(("http://", "https://"))


def month_window(month: date, now: datetime | None = None) -> tuple[datetime, datetime] | None:
    """The complete days of `month` up to now (UTC), or None when none has ended yet."""
    start = datetime(month.year, month.month, 1, tzinfo=UTC)
    nxt = datetime(month.year + month.month // 12, month.month % 12 + 1, 1, tzinfo=UTC)
    today = (now or datetime.now(UTC)).replace(hour=0, minute=0, second=0, microsecond=0)
    end = min(nxt, today)
    return (start, end) if end > start else None


def allocation_url(base: str, path: str, start: datetime, end: datetime, query: dict) -> str:
    """The request URL for one window."""
    params = {**DEFAULT_QUERY, **query, "window": f"{_rfc3339(start)},{_rfc3339(end)}"}
    return f"{base.rstrip('/')}/{path.strip('/')}?{urllib.parse.urlencode(params, safe=',:')}"


def fetch(
    url: str,
    target: Path,
    token: str | None,
    timeout: float,
    retries: int,
    backoff: float,
) -> None:
    """Stream one response body to `target`, retrying transient failures.

    Args:
        url: the request URL.
        target: file receiving the body.
        token: bearer token, or None; never logged.
        timeout: seconds per attempt (connect and each read).
        retries: extra attempts after a transient failure.
        backoff: seconds before the first retry, doubled each time.

    Raises:
        SourceUnavailable: 5xx, 429, timeout or connection failure after every attempt.
        SourceRefused: another 4xx status (bad URL, missing or wrong token).
    """
    headers = {"Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    last = ""
    for attempt in range(retries + 1):
        if attempt:
            time.sleep(backoff * 2 ** (attempt - 1))
        try:
            request = urllib.request.Request(url, headers=headers)
            with (
                urllib.request.urlopen(request, timeout=timeout) as response,
                target.open("wb") as out,
            ):
                while chunk := response.read(1 << 20):
                    out.write(chunk)
            return
        except urllib.error.HTTPError as error:
            if error.code < 500 and error.code != 429:
                raise SourceRefused(
                    f"{url}: HTTP {error.code} {error.reason}"
                    + (" (check the bearer token)" if error.code in (401, 403) else "")
                ) from error
            last = f"HTTP {error.code} {error.reason}"
        except TimeoutError as error:
            last = f"timed out after {timeout:g} s ({error})"
        except urllib.error.URLError as error:
            reason = error.reason
            if isinstance(reason, TimeoutError):
                last = f"timed out after {timeout:g} s"
            else:
                last = f"cannot connect: {reason}"
        except (ConnectionError, OSError) as error:
            last = f"connection failed: {error}"
    raise SourceUnavailable(
        f"{url}: {last} after {retries + 1} attempt(s); the allocation endpoint is unavailable, "
        "nothing was loaded: run again later"
    )


def token_from_env(token: str | None) -> str | None:
    """The configured token, else FINOPS_KUBERNETES_TOKEN, else None."""
    return token or os.environ.get(TOKEN_ENV) or None


def _rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def previous_and_current(now: datetime | None = None) -> list[date]:
    """The months an endpoint is asked for by default: last month and this one."""
    today = (now or datetime.now(UTC)).date()
    first = today.replace(day=1)
    return [(first - timedelta(days=1)).replace(day=1), first]
