"""The last step with an external Keycloak: does the MIP's login reach the Keycloak login page?

Keycloak is not ours to change: when its client does not list this MIP's address among its
redirect URIs, users get "Invalid parameter: redirect_uri" instead of a login form, although every
pod is Ready. The step asks the MIP UI (``core.cluster.login_check``: a few plain GETs, no secret
sent) and, when the login does not lead to Keycloak's login page, ends as a warning with the fix
(the client's Valid Redirect URIs must include ``https://<FQDN>/*``) — never as a failed install:
the MIP is installed, and the fix is on the Keycloak side. It runs at every install (no probe:
the client can change on the Keycloak side at any time).
"""

from __future__ import annotations

import os

from ..answers import Answers
from ..profile_kinds import Auth, profile_kind
from .settings import InstallSettings
from .steps import Step, StepContext, StepWarning

# Where the check asks instead of the profile's address (tests point it at a local server; also
# for a machine that reaches its MIP by another name than the public one).
LOGIN_URL_ENV = "MIPWIZARD_LOGIN_CHECK_URL"


def uses_external_keycloak(answers: Answers) -> bool:
    kind = profile_kind(answers.active_profile)
    return kind.auth is not Auth.NONE and not kind.uses_internal_keycloak


def redirect_hint(answers: Answers) -> str:
    return f"https://{answers.machine_public_fqdn}/*"


def login_check(answers: Answers, s: InstallSettings, *, mip_url: str) -> Step:
    """``mip_url``: the address users open (``plan.install_url``)."""
    url = os.environ.get(LOGIN_URL_ENV) or mip_url.rstrip("/")

    def action(ctx: StepContext) -> str:
        from ..cluster.login_check import LOGIN_PATH, check_login

        what = f"GET {url}{LOGIN_PATH} and its redirects: the Keycloak login page? (a warning if not)"
        if ctx.recording:
            ctx.change(what, lambda: None)
            return "done"
        result = check_login(url, redirect_hint=redirect_hint(answers), timeout=min(s.query_timeout, 10.0))
        ctx.say(*(f"GET {hop}" for hop in result.hops))
        if not result.ok:
            raise StepWarning(f"{result.message} — fix: {result.fix}")
        return result.message

    return Step(
        id="login-check",
        title="Check that the MIP login reaches Keycloak",
        check="runs every time (a warning, never a failed install)",
        action=action,
    )
