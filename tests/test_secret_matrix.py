"""No secret leaks, whatever it looks like: a matrix of awkward secrets grepped in every artefact.

Each variant is a client secret a Keycloak admin could really paste (a leading quote, spaces,
commas, braces, quotes, ``‹…>``, unicode...). For each one we run what shows, logs, diffs or
bundles text — profiles show/diff/lint, switch-profile, logs, the install log, the support
bundle — and grep the output for the secret in every encoding it could take.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import tarfile
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import yaml

from mipwizard.cli.main import main
from mipwizard.core.redact import MASK, Redactor, StreamRedactor, encodings

from .conftest import install_fake_cluster, requires_shared

VARIANTS = [
    "'leading-quote-secret",
    '"double-quoted" secret',
    "secret with  spaces inside",
    "commas,in,the,secret",
    "braces}{and]brackets[",
    "quote's-and\"both",
    "angle‹place>holder",
    "ünïcødé-sécret-ß-∑",
    "hash # colon: value",
    "back\\slash%25-and+plus",
    "-leading-dash-secret",
]


def forms(secret: str) -> list[str]:
    """What a grep for this secret looks for: raw and each encoding (all long enough to be telling)."""
    raw = secret.encode()
    found = {
        secret,
        json.dumps(secret)[1:-1],
        secret.replace("'", "''"),
        quote(secret, safe=""),
        base64.b64encode(raw).decode(),
    }
    return [f for f in found if len(f) >= 8]


def leaks(text: str, secret: str) -> list[str]:
    return [f for f in forms(secret) if f in text]


@pytest.mark.parametrize("secret", VARIANTS)
def test_every_encoding_is_masked(secret: str) -> None:
    redactor = Redactor([secret])
    for form in encodings(secret):
        for text in (form, f"x {form} y", f"KEY={form},", f'{{"a": "{form}"}}'):
            out = redactor.redact(text)
            assert not leaks(out, secret), (form, out)
            assert form not in out


@pytest.mark.parametrize("secret", VARIANTS)
def test_key_patterns_mask_unknown_secrets_whole(secret: str) -> None:
    redactor = Redactor()  # the secret is not known: only the patterns can catch it
    for line in (
        f"CLIENT_SECRET: {secret}",
        f"client_secret={secret}",
        f"CLIENT_SECRET: {yaml.safe_dump(secret, default_style=chr(39)).strip()}",
        f'"client_secret": {json.dumps(secret)}, "next": 1',
        f"  password: {json.dumps(secret)}",
    ):
        out = redactor.redact(line)
        assert not leaks(out, secret), (line, out)
        assert MASK in out


@pytest.mark.parametrize("secret", VARIANTS)
@pytest.mark.parametrize("block", [7, 64, 4096])
def test_stream_never_splits_a_secret(secret: str, block: int) -> None:
    # one enormous line (no newline to cut at): the stream must cut, but never inside the secret
    payload = ("x" * 5000 + secret + "y" * 3000 + json.dumps(secret)[1:-1]).encode() * 3
    stream = StreamRedactor(Redactor([secret]), max_hold=256)
    out = b"".join(stream.feed(payload[i : i + block]) for i in range(0, len(payload), block)) + stream.flush()
    text = out.decode()
    assert not leaks(text, secret)
    assert text.count(MASK) == 6


def test_stream_masks_the_tail_of_a_long_secret_value() -> None:
    stream = StreamRedactor(Redactor(), max_hold=64)
    line = b"password: " + b"s" * 500 + b"\nnext line\n"
    out = b"".join(stream.feed(line[i : i + 50]) for i in range(0, len(line), 50)) + stream.flush()
    assert b"s" * 20 not in out and b"next line" in out


# --- every artefact, through the real commands ----------------------------------------------


@pytest.fixture
def cluster_with(
    fake_toolchain: Any, answers_data: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, request: Any
) -> Any:
    secret = request.param
    answers_data["keycloak"]["client_secret"] = secret
    answers_data["internal_keycloak"]["client_secret"] = secret + "-internal"
    install_fake_cluster(fake_toolchain, answers_data, tmp_path, monkeypatch)
    logs = tmp_path / "logs"
    logs.mkdir()
    (logs / "install.log").write_text(f"CLIENT_SECRET: {secret}\nvalue {json.dumps(secret)}\n")
    (logs / "install.log.bak-20240101").write_text(secret)  # not allow-listed: never bundled
    fake_toolchain.secret = secret
    return fake_toolchain


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    main(list(argv))
    out = capsys.readouterr()
    return out.out + out.err


@requires_shared()
@pytest.mark.parametrize("cluster_with", VARIANTS, indirect=True)
def test_no_artefact_shows_the_secret(cluster_with: Any, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    fake, secret = cluster_with, cluster_with.secret
    chart = fake.chart
    outputs: dict[str, str] = {}
    outputs["show"] = run(capsys, "profiles", "show", str(chart))
    assert "CLIENT_SECRET" in outputs["show"]

    changed = yaml.safe_load(fake.answers.read_text())
    changed["keycloak"]["client_secret"] = secret[::-1] + "-new"
    new_answers = tmp_path / "new-answers.yaml"
    new_answers.write_text(yaml.safe_dump(changed))
    outputs["diff"] = run(capsys, "profiles", "diff", "--answers", str(new_answers), str(chart))
    assert outputs["diff"].strip()
    (chart / ".direct.no_auth").write_text((chart / ".direct").read_text().replace("MIP", "<your realm>"))
    outputs["lint"] = run(capsys, "profiles", "lint", str(chart))
    outputs["switch"] = run(capsys, "switch-profile", "proxied", "--yes", "--no-wait")

    pod = next(p for p in fake.pods() if "controller" in p["metadata"]["name"])
    name, ns = pod["metadata"]["name"], pod["metadata"]["namespace"]
    fake.set_log_lines(name, [f"secret is {secret}", f"json {json.dumps(secret)}", "x" * 100 + secret])
    proc = subprocess.run(
        [sys.executable, "-m", "mipwizard", "logs", name, "-n", ns],
        capture_output=True, text=True, env=dict(os.environ), timeout=60, check=False,
    )  # fmt: skip
    outputs["logs"] = proc.stdout + proc.stderr

    bundle = tmp_path / "bundle.tar.gz"
    outputs["bundle-cli"] = run(capsys, "bundle", "-o", str(bundle), "--no-inspect")
    with tarfile.open(bundle) as tar:
        names = [m.name for m in tar if m.isfile()]
        for member in tar:
            if member.isfile():
                handle = tar.extractfile(member)
                assert handle is not None
                outputs[f"bundle:{member.name}"] = handle.read().decode("utf-8", "replace")
    assert not any(".bak-" in n or n.endswith(".tmp") for n in names)

    found = {where: leaks(text, s) for where, text in outputs.items() for s in (secret, secret + "-internal")}
    assert not {where: forms for where, forms in found.items() if forms}
