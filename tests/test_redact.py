"""The redactor masks known secrets and secret-looking values, and nothing that only looks alike."""

from __future__ import annotations

import pytest

from mipwizard.core.redact import MASK, Redactor


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("CLIENT_SECRET: abc123", f"CLIENT_SECRET: {MASK}"),
        ('"client_secret": "x y"', f'"client_secret": {MASK}'),
        ("export DB_PASSWORD=hunter2", f"export DB_PASSWORD={MASK}"),
        ("keycloak.client_secret=zzz", f"keycloak.client_secret={MASK}"),
        ("git clone https://user:pw@mirror.example.org/x", f"git clone https://{MASK}@mirror.example.org/x"),
        ("microk8s join 10.0.0.1:25000/92b2db237428470dc4fcfc4ebbd9dc81/2c0cb3284b05 --worker",
         f"microk8s join 10.0.0.1:25000/{MASK}/2c0cb3284b05 --worker"),
        (f"  CLIENT_SECRET: {MASK}", f"  CLIENT_SECRET: {MASK}"),
        ("CLIENT_SECRET: ''", "CLIENT_SECRET: ''"),
        ("Release mip has been upgraded. Happy Helming!", "Release mip has been upgraded. Happy Helming!"),
        ("https://mip.example.org/ is ready", "https://mip.example.org/ is ready"),
    ],
)
def test_patterns(text: str, expected: str) -> None:
    assert Redactor().redact(text) == expected


def test_literal_secrets_longest_first() -> None:
    redactor = Redactor(["abcd", "abcdef-long"])
    assert redactor.redact("x abcdef-long y abcd") == f"x {MASK} y {MASK}"


def test_short_values_are_not_masked_everywhere() -> None:
    assert Redactor(["1"]).redact("10 pods, 1 node") == "10 pods, 1 node"


def test_added_secret_is_masked() -> None:
    redactor = Redactor()
    redactor.add("s3cret-value")
    assert redactor.redact("value s3cret-value here") == f"value {MASK} here"
