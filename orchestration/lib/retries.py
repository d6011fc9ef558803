"""Retry a source step on transient errors only, with exponential backoff and jitter.

Transient: the network (refused or reset connection, DNS), a timeout, throttling (HTTP 429,
S3 `SlowDown`) or a server-side error (HTTP 5xx) of an API, S3 or Blob Storage. Running again
later may pass, so the step is retried (FINOPS_SOURCE_RETRIES times, waiting about
FINOPS_SOURCE_RETRY_DELAY seconds, doubled each time).
Everything else (a file quarantined as invalid, a refused request, missing configuration or
credentials) fails at once: it would fail the same way again, and the run log says why.
"""

from __future__ import annotations

import os
import urllib.error
from collections.abc import Iterator
from contextlib import contextmanager

import dagster as dg

from ingestion.common.storage import first_line
from ingestion.kubernetes.http import SourceUnavailable

TRANSIENT_STATUS = frozenset({408, 425, 429, 500, 502, 503, 504})
# S3 / AWS API error codes that mean "slow down" or "try again", whatever the HTTP status
TRANSIENT_AWS_CODES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "TooManyRequestsException",
        "RequestLimitExceeded",
        "SlowDown",
        "RequestTimeout",
        "RequestTimeoutException",
        "ServiceUnavailable",
        "InternalError",
    }
)
# defaults sized for provider APIs and object stores: waits of about 30 s, 90 s, 210 s
DEFAULT_RETRIES = 3
DEFAULT_DELAY_SECONDS = 30.0


def _chain(error: BaseException) -> Iterator[BaseException]:
    """The error and what caused it: explicit causes first, else unsuppressed context."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or (
            None if current.__suppress_context__ else current.__context__
        )


def _status(error: BaseException) -> int | None:
    """The HTTP status an error carries (urllib, Azure SDK, botocore, requests), if any."""
    if isinstance(error, urllib.error.HTTPError):
        return error.code
    response = getattr(error, "response", None)
    if isinstance(response, dict):  # botocore ClientError
        status = response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        return int(status) if status else None
    # Azure SDK errors carry status_code, aiohttp's status, requests' their response's
    for holder in (error, response):
        for name in ("status_code", "status"):
            value = getattr(holder, name, None)
            if isinstance(value, int) and 100 <= value < 600:
                return value
    return None


def _verdict(error: BaseException) -> bool | None:
    """True (transient), False (permanent) or None (unknown: look at its cause)."""
    from azure.core.exceptions import ServiceRequestError, ServiceResponseError
    from botocore.exceptions import ClientError, HTTPClientError
    from botocore.exceptions import ConnectionError as BotoConnectionError

    if isinstance(error, SourceUnavailable | TimeoutError | ConnectionError):
        return True
    if isinstance(error, BotoConnectionError | HTTPClientError):
        return True
    if isinstance(error, ServiceRequestError | ServiceResponseError):
        return True
    if (
        isinstance(error, ClientError)
        and error.response.get("Error", {}).get("Code") in TRANSIENT_AWS_CODES
    ):
        return True
    status = _status(error)
    if status is not None:
        return status in TRANSIENT_STATUS
    if isinstance(error, urllib.error.URLError) and isinstance(error.reason, OSError):
        return True  # refused connection, unknown host, socket timeout
    if isinstance(error, FileNotFoundError | PermissionError):
        return False
    return None


def classify(error: BaseException) -> tuple[bool, BaseException]:
    """(transient?, the error in the chain that says so and why).

    The cause chain is followed because sources and dlt wrap the original error
    (PipelineStepFailed <- ResourceExtractionError <- StorageError <- ClientError); the first
    error that can be classified decides. None decides: not transient, and the innermost
    error is the reason (dlt's wrappers say only where it failed).
    """
    chain = list(_chain(error))
    for link in chain:
        verdict = _verdict(link)
        if verdict is not None:
            return verdict, link
    return False, chain[-1]


def is_transient(error: BaseException) -> bool:
    """True when running the step again later may succeed (see the module docstring)."""
    return classify(error)[0]


def source_retry_policy() -> dg.RetryPolicy:
    """Exponential backoff with jitter, read at run time so a deployment can tune it."""
    return dg.RetryPolicy(
        max_retries=int(os.environ.get("FINOPS_SOURCE_RETRIES", DEFAULT_RETRIES)),
        delay=float(os.environ.get("FINOPS_SOURCE_RETRY_DELAY", DEFAULT_DELAY_SECONDS)),
        backoff=dg.Backoff.EXPONENTIAL,
        jitter=dg.Jitter.PLUS_MINUS,
    )


@contextmanager
def retry_transient(context: dg.AssetExecutionContext, title: str) -> Iterator[None]:
    """Turn a transient error in the block into a retry, anything else into a final failure.

    Args:
        context: the running asset's context (its retry number sets the wait).
        title: the source's name, for the messages.
    """
    try:
        yield
    except (dg.Failure, dg.RetryRequested):
        raise
    except Exception as error:
        transient, deciding = classify(error)
        reason = first_line(deciding)
        if not transient:
            raise dg.Failure(
                description=f"{title}: {reason} (not retried: it would fail the same way)",
                allow_retries=False,
            ) from error
        policy = source_retry_policy()
        attempt = context.retry_number + 1
        if attempt > policy.max_retries:
            raise dg.Failure(
                description=f"{title}: {reason} (transient, still failing after "
                f"{policy.max_retries} retries: run again later)",
                allow_retries=False,
            ) from error
        wait = max(0.0, policy.calculate_delay(attempt))
        context.log.warning(
            "%s: transient error, retry %d of %d in %.1f s: %s",
            title,
            attempt,
            policy.max_retries,
            wait,
            reason,
        )
        raise dg.RetryRequested(max_retries=policy.max_retries, seconds_to_wait=wait) from error
