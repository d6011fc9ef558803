"""Slack and Microsoft Teams incoming-webhook alerts (URLs only from the environment).

Webhook URLs are secrets: they are read from FINOPS_SLACK_WEBHOOK_URL / FINOPS_TEAMS_WEBHOOK_URL
and never logged or put in run metadata; errors name the channel, not the URL.
"""

from __future__ import annotations

import json
import os
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field

TARGET_VARIABLES = {"slack": "FINOPS_SLACK_WEBHOOK_URL", "teams": "FINOPS_TEAMS_WEBHOOK_URL"}
RETRIES = 3  # a webhook endpoint throttles (429) or blips (5xx); bad requests are not retried


@dataclass
class Alert:
    """One message: what happened, how much, who, and where to look."""

    title: str
    text: str
    facts: dict[str, str] = field(default_factory=dict)
    link: str | None = None


def configured_targets() -> dict[str, str]:
    """Channel name -> webhook URL, for the channels configured in the environment."""
    return {name: os.environ[var] for name, var in TARGET_VARIABLES.items() if os.environ.get(var)}


def dagster_link(path: str) -> str:
    """A link into the Dagster UI (FINOPS_DAGSTER_URL, default the local `make dev`)."""
    base = os.environ.get("FINOPS_DAGSTER_URL", "http://127.0.0.1:3000").rstrip("/")
    return f"{base}/{path.lstrip('/')}"


def slack_payload(alert: Alert) -> dict[str, object]:
    """Slack incoming-webhook body (mrkdwn text)."""
    lines = [f"*{alert.title}*", alert.text]
    lines += [f"• {name}: {value}" for name, value in alert.facts.items()]
    if alert.link:
        lines.append(f"<{alert.link}|Open in Dagster>")
    return {"text": "\n".join(lines)}


def teams_payload(alert: Alert) -> dict[str, object]:
    """Microsoft Teams incoming-webhook body (MessageCard)."""
    card: dict[str, object] = {
        "@type": "MessageCard",
        "@context": "https://schema.org/extensions",
        "summary": alert.title,
        "title": alert.title,
        "text": alert.text,
        "sections": [{"facts": [{"name": k, "value": v} for k, v in alert.facts.items()]}],
    }
    if alert.link:
        card["potentialAction"] = [
            {
                "@type": "OpenUri",
                "name": "Open in Dagster",
                "targets": [{"os": "default", "uri": alert.link}],
            }
        ]
    return card


PAYLOADS = {"slack": slack_payload, "teams": teams_payload}


def send(alert: Alert, targets: dict[str, str] | None = None, backoff: float = 1.0) -> list[str]:
    """Post an alert to every configured channel.

    Args:
        alert: the message.
        targets: channel -> URL; defaults to the environment.
        backoff: seconds before the first retry, doubled each time.

    Returns:
        One error line per channel that could not be reached (empty when all succeeded).
    """
    errors = []
    for name, url in (configured_targets() if targets is None else targets).items():
        body = json.dumps(PAYLOADS[name](alert)).encode()
        for attempt in range(RETRIES):
            try:
                request = urllib.request.Request(
                    url, data=body, method="POST", headers={"content-type": "application/json"}
                )
                with urllib.request.urlopen(request, timeout=10):
                    break
            except urllib.error.HTTPError as error:
                if (error.code != 429 and error.code < 500) or attempt == RETRIES - 1:
                    errors.append(f"{name} webhook answered HTTP {error.code}")
                    break
            except (urllib.error.URLError, TimeoutError, OSError) as error:
                if attempt == RETRIES - 1:
                    errors.append(f"{name} webhook unreachable: {type(error).__name__}")
                    break
            time.sleep(backoff * 2**attempt)
    return errors
