"""Small helpers shared by the fake programs (stdlib only)."""

from __future__ import annotations

import sys
import time

TYPE_CHECKING = False  # typing costs ms at every fake call; annotations are strings anyway
if TYPE_CHECKING:
    from typing import Any


def out(text: str = "") -> None:
    sys.stdout.write(text + "\n")


def err(text: str) -> None:
    sys.stderr.write(text + "\n")


def unsupported(ctx: Any) -> int:
    argv = [ctx.name, *ctx.args]
    err(f"fake: unsupported call: {argv!r} (extend tests/fake_toolchain)")
    try:  # also kept in the state dir, so gaps hidden by a caller's error handling still show
        import json
        import os

        with open(os.path.join(ctx.store.dir, "unsupported.jsonl"), "a", encoding="utf-8") as fh:
            fh.write(json.dumps(argv) + "\n")
    except OSError:
        pass
    return 1


def sleep_forever() -> None:
    """Hang until killed — or until orphaned (a test that SIGKILLed the wizard must not leak us)."""
    import os

    sys.stdout.flush()
    sys.stderr.flush()
    parent = os.getppid()
    deadline = time.monotonic() + 3600
    while parent != 1 and os.getppid() == parent and time.monotonic() < deadline:
        time.sleep(0.2)
    sys.exit(143)


def rfc3339() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


# Kubernetes' name-suffix alphabet (no vowels, no look-alikes).
_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"


def k8s_suffix(seed: str, length: int) -> str:
    import hashlib

    digest = hashlib.sha1(seed.encode()).digest()
    return "".join(_ALPHABET[b % len(_ALPHABET)] for b in digest[:length])


def uid_for(seed: str) -> str:
    import hashlib

    h = hashlib.md5(seed.encode()).hexdigest()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:32]}"


class Args:
    """A tiny getopt for kubectl/helm style argv: flags with values, booleans, positionals."""

    def __init__(self, argv: list[str], with_value: set[str], booleans: set[str] = frozenset()) -> None:  # type: ignore[assignment]
        self.values: dict[str, list[str]] = {}
        self.flags: set[str] = set()
        self.positional: list[str] = []
        self.unknown: list[str] = []
        i = 0
        while i < len(argv):
            a = argv[i]
            if a == "--":
                self.positional.extend(argv[i + 1 :])
                break
            if a.startswith("-") and a != "-":
                key, eq, val = a.partition("=")
                if key in with_value:
                    if not eq:
                        # short form glued to its value: -ojson, -nfoo
                        i += 1
                        if i >= len(argv):
                            self.unknown.append(a)
                            break
                        val = argv[i]
                    self.values.setdefault(key, []).append(val)
                elif not eq and len(a) > 2 and a[1] != "-" and a[:2] in with_value:
                    self.values.setdefault(a[:2], []).append(a[2:])
                elif key in booleans:
                    self.flags.add(key)
                    if eq:
                        self.values.setdefault(key, []).append(val)
                else:
                    self.unknown.append(a)
            else:
                self.positional.append(a)
            i += 1

    def get(self, *names: str, default: str | None = None) -> str | None:
        for n in names:
            if n in self.values:
                return self.values[n][-1]
        return default

    def all(self, *names: str) -> list[str]:
        found: list[str] = []
        for n in names:
            found.extend(self.values.get(n, []))
        return found

    def has(self, *names: str) -> bool:
        return any(n in self.flags for n in names)
