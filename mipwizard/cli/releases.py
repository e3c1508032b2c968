"""``mipwizard releases``: the MIP and Exareme2 pairs mipwizard can deploy."""

from __future__ import annotations

import argparse
import re
import textwrap
from typing import Any

from ._common import EXIT_OK, add_command, paint, print_json

DESCRIPTION = """\
List the releases mipwizard knows how to deploy: for each, the mip-deployment and Exareme2
repositories and the refs it pins, the MIP chart folder, its values model, the authentication
kinds it supports and a note. The answers' `release:` picks one (default: the first);
`mip_deployment.ref` / `exareme2.ref` override a ref by hand (a tag, branch or commit)."""


def register(subparsers: Any) -> None:
    parser = add_command(subparsers, "releases", _releases, "list the releases mipwizard can deploy", DESCRIPTION)
    parser.add_argument("--json", action="store_true", help="print the catalogue as JSON")


def _releases(args: argparse.Namespace) -> int:
    from ..core.releases import CATALOGUE, DEFAULT_RELEASE

    if args.json:
        print_json([{**r.as_dict(), "default": r is DEFAULT_RELEASE} for r in CATALOGUE])
        return EXIT_OK
    for release in CATALOGUE:
        note = textwrap.wrap(release.note, 60) or [""]
        title = release.name + (" (default)" if release is DEFAULT_RELEASE else "")
        print(paint(title, "bold"))
        print(f"  mip-deployment  {_short(release.mip_ref)}  {release.mip_repo_url.removeprefix('https://')}")
        print(f"  exareme2        {_short(release.exareme2_ref)}  {release.exareme2_repo_url.removeprefix('https://')}")
        print(f"  chart folder    {release.chart_folder}")
        print(f"  values model    {release.values_model.value}, engine layout {release.engine_layout.value}")
        print(f"  auth kinds      {', '.join(a.value for a in release.auth_kinds)}")
        print(f"  note            {note[0]}")
        for line in note[1:]:
            print(f"                  {line}")
        print()
    print("Pick one with `release:` in the answers; override a ref by hand with")
    print("mip_deployment.ref / exareme2.ref (a tag, branch or commit).")
    return EXIT_OK


def _short(ref: str) -> str:
    """A commit hash in 12 digits (``--json`` has all 40), any other ref as it is."""
    return ref[:12] if re.fullmatch(r"[0-9a-f]{40}", ref) else ref
