"""A tiny JSON-over-HTTPS client (stdlib only): bearer token, timeouts, errors naming the URL.

The cloud REST APIs read here (Azure Resource Manager, GCP Resource Manager) and the business
metrics API are plain authenticated JSON GETs, so no SDK is needed.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from decimal import Decimal
from typing import Any


class HttpSourceError(RuntimeError):
    """An HTTP request failed or answered with something that is not the expected JSON."""


def get_json(
    url: str, token: str | None = None, timeout: float = 30.0, exact_numbers: bool = False
) -> Any:
    """GET `url` and decode its JSON body.

    Args:
        url: absolute http(s) URL.
        token: bearer token sent in the Authorization header, if any.
        timeout: seconds before the request is abandoned.
        exact_numbers: decode JSON numbers with a fraction as Decimal (money, metrics).

    Returns:
        The decoded JSON document.

    Raises:
        HttpSourceError: naming the URL (never the token) and the status or cause.
    """
    request = urllib.request.Request(url, headers={"Accept": "application/json"})
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body = response.read()
    except urllib.error.HTTPError as error:
        detail = error.read(300).decode("utf-8", "replace").strip()
        raise HttpSourceError(f"GET {url}: HTTP {error.code} {error.reason}: {detail}") from error
    except (urllib.error.URLError, OSError) as error:
        raise HttpSourceError(f"GET {url}: {getattr(error, 'reason', error)}") from error
    try:
        return json.loads(body, parse_float=Decimal if exact_numbers else float)
    except ValueError as error:
        raise HttpSourceError(f"GET {url}: response is not JSON ({error})") from error


def post_form(url: str, form: dict[str, str], timeout: float = 30.0) -> Any:
    """POST a url-encoded form (an OAuth token request) and decode the JSON answer.

    Raises:
        HttpSourceError: naming the URL and the status (never the form, which holds a secret).
    """
    data = urllib.parse.urlencode(form).encode()
    request = urllib.request.Request(url, data=data, headers={"Accept": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return json.loads(response.read())
    except urllib.error.HTTPError as error:
        raise HttpSourceError(f"POST {url}: HTTP {error.code} {error.reason}") from error
    except (urllib.error.URLError, OSError, ValueError) as error:
        raise HttpSourceError(f"POST {url}: {getattr(error, 'reason', error)}") from error
