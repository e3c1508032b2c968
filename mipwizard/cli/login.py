"""`mipwizard login-check`: with an external Keycloak, does the MIP's login reach its login page?

Exit codes: 0 it does (or nothing to check), 1 it does not (with the redirect-URI fix), 2 usage.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from ._common import EXIT_OK, EXIT_PROBLEM, add_command, error, paint


def register(subparsers: Any) -> None:
    p = add_command(
        subparsers,
        "login-check",
        _login_check,
        "external Keycloak: does the MIP's login reach the Keycloak login page? (after an install)",
    )
    p.add_argument("--url", default=None, metavar="URL", help="the MIP UI (default https://<machine_public_fqdn>)")
    p.add_argument("--answers", default=None, metavar="FILE", help="saved answers file (default: the wizard's)")


def _login_check(args: argparse.Namespace) -> int:
    import urllib.parse

    from ..core.cluster.login_check import check_login
    from ..core.cluster.sources import answers_values, default_answers_path
    from ..core.profile_kinds import Auth, profile_kind

    answers = answers_values(Path(args.answers) if args.answers else default_answers_path())
    fqdn = answers.get("machine_public_fqdn") or ""
    profile = answers.get("active_profile") or ""
    if not args.url:
        try:
            kind = profile_kind(profile) if profile else None
        except ValueError:
            kind = None
        if kind is not None and (kind.auth is Auth.NONE or kind.uses_internal_keycloak):
            print(f"Profile .{profile} does not log in through an external Keycloak: nothing to check.")
            return EXIT_OK
        if not fqdn:
            error("no machine_public_fqdn in the answers: give the MIP's address with --url https://…")
            return EXIT_PROBLEM
    url = args.url or f"https://{fqdn}"
    host = urllib.parse.urlsplit(url).hostname or fqdn
    result = check_login(url, redirect_hint=f"https://{host}/*")
    for hop in result.hops:
        print(f"  GET {hop}")
    if result.ok:
        print(paint(f"OK: {result.message}.", "green"))
        return EXIT_OK
    print(paint(f"PROBLEM: {result.message}", "red"))
    print(f"  fix: {result.fix}")
    return EXIT_PROBLEM
