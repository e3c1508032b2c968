"""Redaction of secrets from every text the wizard shows, logs or bundles."""

from __future__ import annotations

import re
from collections.abc import Iterable

MASK = "***HIDDEN***"

# Values of keys that are secret by name, in YAML (``KEY: value``), env (``KEY=value``) or JSON.
# The look-behind lets a match start only where a key name starts: without it every character of a
# long word is a start, and a big log block takes quadratic time (a minute for 10 MB).
_SECRET_KEY = r"(?<![A-Za-z0-9_.-])[A-Za-z0-9_.-]*?(?:SECRET|PASSWORD|PASSWD|TOKEN|API_?KEY)[A-Za-z0-9_.-]*"
_KEY_VALUE = re.compile(
    rf"(?P<key>\"?{_SECRET_KEY}\"?\s*[:=]\s*)(?P<value>\"[^\"]*\"|'[^']*'|[^\s,}}]+)", re.IGNORECASE
)
_URL_CREDENTIALS = re.compile(
    r"(?P<scheme>(?<![a-z0-9+.-])[a-z][a-z0-9+.-]*://)(?P<cred>[^/\s:@]+:[^/\s@]+)@", re.IGNORECASE
)
# microk8s join tokens: IP:25000/<token>/<hash>
_JOIN_TOKEN = re.compile(r"(?P<addr>:25000/)(?P<token>[0-9a-f]{16,})/(?P<hash>[0-9a-f]{6,})", re.IGNORECASE)


class Redactor:
    """Replaces known secret values and secret-looking patterns with ``MASK``."""

    def __init__(self, secrets: Iterable[str] = (), *, patterns: bool = True) -> None:
        # Longest first, so a secret containing another is masked whole. Very short values are
        # skipped: masking every "1" in a log would make it unreadable and protect nothing.
        self._secrets = sorted({s for s in secrets if s and len(s) >= 4}, key=len, reverse=True)
        self._patterns = patterns
        self._literal = re.compile("|".join(re.escape(s) for s in self._secrets)) if self._secrets else None

    def add(self, *secrets: str) -> None:
        self.__init__([*self._secrets, *secrets], patterns=self._patterns)  # type: ignore[misc]

    @property
    def secrets(self) -> list[str]:
        return list(self._secrets)

    def redact(self, text: str) -> str:
        if self._literal is not None:
            text = self._literal.sub(MASK, text)
        if self._patterns and _might_match(text):
            text = _KEY_VALUE.sub(_mask_value, text)
            text = _URL_CREDENTIALS.sub(lambda m: f"{m.group('scheme')}{MASK}@", text)
            text = _JOIN_TOKEN.sub(lambda m: f"{m.group('addr')}{MASK}", text)
        return text


# Words at least one of the patterns above needs (lowercase). Checking them with ``in`` first keeps
# redaction of big output blocks (a million log lines) fast: the regexes only run when one is present.
# Keep in sync with the patterns.
_HINTS = ("secret", "passw", "token", "apikey", "api_key", "://", ":25000/")


def _might_match(text: str) -> bool:
    low = text.lower()
    return any(hint in low for hint in _HINTS)


def _mask_value(match: re.Match[str]) -> str:
    value = match.group("value")
    if value in {'""', "''"} or value == MASK or value.strip("\"'") == MASK:
        return match.group(0)
    return f"{match.group('key')}{MASK}"
