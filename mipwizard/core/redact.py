"""The one redactor: every secret masked in every text the wizard shows, logs, diffs or bundles.

A known secret is masked in each encoding it can take in an artefact, not only raw: YAML single-
and double-quoted (escaped), JSON-escaped, Python repr, shell-quoted, URL-encoded and base64
(Kubernetes Secrets), so a value starting with a quote or holding spaces, commas, braces or
unicode is masked whole. Secret-looking patterns (``CLIENT_SECRET: …``, ``password=…``, URL
credentials, join tokens, bearer tokens, PEM private keys) are masked too, to the end of the
line when the value is not cleanly quoted: over-masking a log line costs nothing, a leak costs
the secret.

``secrets_in`` is the one place that knows which values in a mapping are secret; ``StreamRedactor``
redacts a byte stream read in blocks, never splitting a secret across two blocks.
"""

from __future__ import annotations

import base64
import contextlib
import json
import re
import shlex
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote, quote_plus

MASK = "***HIDDEN***"

# Shorter values are not masked everywhere (masking every "1" protects nothing and ruins a log);
# input validation refuses secrets shorter than validators.MIN_SECRET_LENGTH instead.
MIN_MASKED_LENGTH = 4

_KEY_WORDS = r"SECRET|PASSWORD|PASSWD|TOKEN|API_?KEY|CREDENTIAL|PRIVATE[_-]?KEY|KEY[_-]DATA"
# The look-behind lets a match start only where a key name starts: without it every character of a
# long word is a start, and a big log block takes quadratic time.
_SECRET_KEY = rf"(?<![A-Za-z0-9_.-])[A-Za-z0-9_.-]*?(?:{_KEY_WORDS})[A-Za-z0-9_.-]*"
# A quoted value counts only when the quote really ends it; else the rest of the line is the value.
_QUOTED = r"(?:\"(?:[^\"\\\n]|\\.)*\"|'(?:[^'\n]|'')*')(?=[ \t]*(?:[,}\]#\r\n]|$))"
_KEY_VALUE = re.compile(
    rf"(?P<key>[\"']?{_SECRET_KEY}[\"']?[ \t]*[:=][ \t]*)(?P<value>{_QUOTED}|[^\s][^\r\n]*)", re.IGNORECASE
)
_FLAG_VALUE = re.compile(rf"(?P<key>--{_SECRET_KEY}[ \t]+)(?P<value>[^\s-]\S*)", re.IGNORECASE)
_URL_CREDENTIALS = re.compile(
    r"(?P<scheme>(?<![a-z0-9+.-])[a-z][a-z0-9+.-]*://)(?P<cred>[^/\s@:]*:[^/\s]*)@", re.IGNORECASE
)
# The token is the secret; the certificate hash after it is not (it only lets the worker check the master).
_JOIN_TOKEN = re.compile(r"(?P<addr>:25000/)(?!\*\*\*HIDDEN\*\*\*)(?P<token>[^/\s]+)")
_BEARER = re.compile(r"(?P<key>\bbearer[ \t]+)(?P<value>\S+)", re.IGNORECASE)
_PEM = re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?(?:-----END [A-Z ]*PRIVATE KEY-----|\Z)", re.DOTALL)
# A line whose last thing is a secret-named key with a value still running (for StreamRedactor).
_OPEN_VALUE_AT_END = re.compile(rf"[\"']?{_SECRET_KEY}[\"']?[ \t]*[:=][ \t]*[^\s][^\r\n]*\Z", re.IGNORECASE)

# Words at least one of the patterns needs (lowercase). Checking them with ``in`` first keeps
# redaction of big blocks (a million log lines) fast: the regexes only run when one is present.
_HINTS = (
    "secret", "passw", "token", "apikey", "api_key", "api-key", "credential", "private", "key-data",
    "key_data", "bearer", "://", ":25000/",
)  # fmt: skip
_HINT_BYTES = tuple(h.encode() for h in _HINTS)


def encodings(secret: str) -> list[str]:
    """Every form ``secret`` can take in an artefact we write or show, longest first."""
    forms = {secret, secret.replace("'", "''"), shlex.quote(secret), repr(secret)[1:-1]}
    forms.add(json.dumps(secret)[1:-1])
    forms.add(json.dumps(secret, ensure_ascii=False)[1:-1])
    for allow_unicode in (True, False):
        import yaml

        dumped = yaml.safe_dump(secret, default_style='"', width=1_000_000, allow_unicode=allow_unicode)
        forms.add(dumped.strip().rstrip(".").strip()[1:-1])
    for encoded in (quote(secret, safe=""), quote(secret), quote_plus(secret, safe=""), quote_plus(secret)):
        forms.update({encoded, encoded.lower(), _upper_escapes(encoded)})
    forms.update(_base64_forms(secret.encode("utf-8")))
    return sorted((f for f in forms if len(f) >= MIN_MASKED_LENGTH), key=len, reverse=True)


def _upper_escapes(encoded: str) -> str:
    return re.sub(r"%[0-9a-fA-F]{2}", lambda m: m.group(0).upper(), encoded)


def _base64_forms(raw: bytes) -> set[str]:
    """The value alone (as a Secret's ``data`` holds it) and its stable core at each of the 3 offsets."""
    forms = set()
    for encode in (base64.b64encode, base64.urlsafe_b64encode):
        whole = encode(raw).decode()
        forms.update({whole, whole.rstrip("=")})
        if len(raw) >= 9:  # inside a longer base64 text: the characters that depend only on the secret
            for offset in range(3):
                text = encode(b"\0" * offset + raw).decode().rstrip("=")
                start = -(-offset * 4 // 3)  # ceil
                end = (offset + len(raw)) * 4 // 3
                forms.add(text[start:end])
    return forms


class Redactor:
    """Replaces known secrets (in every encoding) and secret-looking patterns with ``MASK``."""

    def __init__(self, secrets: Iterable[str] = (), *, patterns: bool = True) -> None:
        self._patterns = patterns
        self._secrets: list[str] = []
        self._needles: list[str] = []
        self._needle_bytes: list[bytes] = []
        self._compiled: dict[tuple[str, ...], re.Pattern[str]] = {}
        self.add(*secrets)

    def add(self, *secrets: str) -> None:
        new = {s for s in secrets if isinstance(s, str) and len(s) >= MIN_MASKED_LENGTH} - set(self._secrets)
        if not new:
            return
        self._secrets = sorted({*self._secrets, *new}, key=len, reverse=True)
        needles = {n for s in self._secrets for n in encodings(s)}
        self._needles = sorted(needles, key=len, reverse=True)  # a needle holding another is masked whole
        self._needle_bytes = [n.encode("utf-8") for n in self._needles]
        self._compiled.clear()

    @property
    def secrets(self) -> list[str]:
        return list(self._secrets)

    @property
    def overlap(self) -> int:
        """Bytes a stream must keep between blocks so no encoded secret is split."""
        return max((len(n) for n in self._needle_bytes), default=1) - 1

    def redact(self, text: str) -> str:
        present = tuple(n for n in self._needles if n in text)
        if present:
            pattern = self._compiled.get(present)
            if pattern is None:
                pattern = self._compiled[present] = re.compile("|".join(re.escape(n) for n in present))
            text = pattern.sub(MASK, text)
        if self._patterns and _might_match(text):
            text = _redact_patterns(text)
        return text

    def redact_bytes(self, block: bytes) -> bytes:
        """``redact`` for a block of bytes, skipping the decode when nothing could match."""
        if any(n in block for n in self._needle_bytes) or (self._patterns and _might_match_bytes(block)):
            return self.redact(block.decode("utf-8", "replace")).encode("utf-8")
        return block

    def stream(self, *, max_hold: int = 64 * 1024) -> StreamRedactor:
        return StreamRedactor(self, max_hold=max_hold)

    def ends_in_open_value(self, text: str) -> bool:
        """True when ``text`` ends inside a secret-named key's value (the rest of the line is secret)."""
        if not self._patterns:
            return False
        line = text[text.rfind("\n") + 1 :]
        return bool(_might_match(line) and _OPEN_VALUE_AT_END.search(line))


def _redact_patterns(text: str) -> str:
    text = _PEM.sub(MASK, text)
    text = _KEY_VALUE.sub(_mask_value, text)
    text = _FLAG_VALUE.sub(_mask_value, text)
    text = _BEARER.sub(_mask_value, text)
    text = _URL_CREDENTIALS.sub(lambda m: f"{m.group('scheme')}{MASK}@", text)
    return _JOIN_TOKEN.sub(lambda m: f"{m.group('addr')}{MASK}", text)


def _might_match(text: str) -> bool:
    low = text.lower()
    return any(hint in low for hint in _HINTS) or "-----BEGIN" in text


def _might_match_bytes(block: bytes) -> bool:
    low = block.lower()
    return any(hint in low for hint in _HINT_BYTES) or b"-----BEGIN" in block


def _mask_value(match: re.Match[str]) -> str:
    value = match.group("value")
    if value in {'""', "''"} or value.strip("\"'") == MASK or value.startswith(MASK):
        return match.group(0)
    return f"{match.group('key')}{MASK}"


class StreamRedactor:
    """Redacts a byte stream fed in blocks; what it returns is safe to write out at once.

    Whole lines go out as soon as they are complete. A line longer than ``max_hold`` is cut, but
    never inside an (encoded) secret: the last ``overlap`` bytes stay for the next block, and a
    cut inside a ``password: …`` value masks the rest of that line as it arrives.
    """

    def __init__(self, redactor: Redactor, *, max_hold: int = 64 * 1024) -> None:
        self.redactor = redactor
        self.max_hold = max(max_hold, 2 * redactor.overlap + 2)
        self._held = b""
        self._masking_line = False

    def feed(self, data: bytes) -> bytes:
        buf = self._held + data
        cut = buf.rfind(b"\n") + 1
        if cut == 0:
            if len(buf) <= self.max_hold:
                self._held = buf
                return b""
            cut = self._safe_cut(buf)
        self._held = buf[cut:]
        return self._emit(buf[:cut])

    def flush(self) -> bytes:
        rest, self._held = self._held, b""
        return self._emit(rest) if rest else b""

    def _emit(self, piece: bytes) -> bytes:
        if self._masking_line:  # the tail of a secret value cut at the previous block
            end = piece.find(b"\n")
            if end < 0:
                return b""
            self._masking_line = False
            piece = piece[end:]
        out = self.redactor.redact_bytes(piece)
        if not piece.endswith(b"\n") and self.redactor.ends_in_open_value(out.decode("utf-8", "replace")):
            self._masking_line = True
        return out

    def _safe_cut(self, buf: bytes) -> int:
        cut = len(buf) - self.redactor.overlap
        moved = True
        while moved and cut > 0:
            moved = False
            for needle in self.redactor._needle_bytes:
                start = buf.find(needle, max(0, cut - len(needle) + 1), cut + len(needle) - 1)
                if 0 <= start < cut < start + len(needle):
                    cut, moved = start, True
        while 0 < cut < len(buf) and (buf[cut] & 0xC0) == 0x80:  # not inside a UTF-8 character
            cut -= 1
        return max(cut, 1)


# --- which values are secret ---------------------------------------------------------------------

SECRET_KEY_NAME = re.compile(r"secret|password|passwd|token|api_?key|credential|private_?key", re.IGNORECASE)
_URL_PASSWORD = re.compile(r"[a-z][a-z0-9+.-]*://[^/\s@:]*:([^/\s]+)@", re.IGNORECASE)


def join_tokens(text: str) -> list[str]:
    """The token parts of ``<ip>:25000/<token>/<hash>`` in ``text`` (typed or half-typed)."""
    tokens = []
    for word in text.split():
        parts = word.split("/")
        if len(parts) >= 2 and ":" in parts[0] and parts[1]:
            tokens.append(parts[1])
    return tokens


def secrets_in(data: Any) -> list[str]:
    """Every secret value in parsed YAML/JSON ``data``: values of secret-named keys anywhere,
    URL passwords, and join tokens in any string."""
    found: list[str] = []

    def walk(node: Any, secret: bool) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                walk(value, secret or bool(SECRET_KEY_NAME.search(str(key))))
        elif isinstance(node, list):
            for item in node:
                walk(item, secret)
        elif isinstance(node, (str, int, float)) and not isinstance(node, bool):
            text = str(node)
            if secret and text:
                found.append(text)
            if isinstance(node, str):
                found.extend(m.group(1) for m in _URL_PASSWORD.finditer(text))
                if ":25000/" in text:
                    found.extend(join_tokens(text))

    walk(data, False)
    return [s for s in dict.fromkeys(found) if s]


def secrets_in_text(text: str) -> list[str]:
    """Secrets in a YAML/JSON text: parsed when it parses, and read off ``KEY: value`` lines always,
    so a broken or hand-edited file (a key written twice, a stray quote) still yields its secrets."""
    from .yamlutil import YamlProblem, parse_yaml

    try:
        found = secrets_in(parse_yaml(text))
    except YamlProblem:
        found = []
    if _might_match(text):
        for match in _KEY_VALUE.finditer(text):
            value = match.group("value").strip()
            found.append(value)
            if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
                found.append(value[1:-1])
                with contextlib.suppress(YamlProblem):
                    found.extend(secrets_in({"secret": parse_yaml(value)}))
    return [s for s in dict.fromkeys(found) if s and s != MASK]
