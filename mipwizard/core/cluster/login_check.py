"""After an install with an external Keycloak: does the MIP's login reach the Keycloak login page?

The usual failure is on the Keycloak side: the client was not told this MIP's address, so
Keycloak answers "Invalid parameter: redirect_uri" instead of its login form. The check asks the
MIP UI for its login (``/services/sso/login``), follows the redirects by hand (at most a few,
never sending a secret) and names what it found, with the hint that the client's redirect URIs
must include ``https://<FQDN>/*``.
"""

from __future__ import annotations

import ssl
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

LOGIN_PATH = "/services/sso/login"
MAX_HOPS = 5
_REJECTED = ("invalid parameter: redirect_uri", "invalid_redirect_uri", "invalid redirect uri")


@dataclass
class LoginCheck:
    ok: bool
    state: str  # login-page, redirect-uri-rejected, no-redirect, unreachable
    message: str
    fix: str = ""
    hops: tuple[str, ...] = ()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None  # each hop is looked at, not followed blindly


def _get(url: str, timeout: float) -> tuple[int, dict[str, str], str]:
    # The MIP often runs with the ingress' self-signed certificate at first: this check only reads
    # where the login leads (no credential is sent), so it does not stop at certificate checks.
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    opener = urllib.request.build_opener(_NoRedirect, urllib.request.HTTPSHandler(context=context))
    if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
        raise ValueError(f"not an http(s) address: {url}")
    request = urllib.request.Request(url, headers={"User-Agent": "mipwizard-login-check"})  # noqa: S310
    try:
        with opener.open(request, timeout=timeout) as response:
            return response.status, dict(response.headers), response.read(65536).decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        body = exc.read(65536).decode("utf-8", "replace") if exc.fp is not None else ""
        return exc.code, dict(exc.headers or {}), body


def check_login(base_url: str, *, redirect_hint: str, timeout: float = 10.0) -> LoginCheck:
    """``base_url``: the MIP UI (``https://FQDN``); ``redirect_hint``: the URI pattern the client needs."""
    fix = f"in Keycloak, the MIP client's Valid Redirect URIs must include {redirect_hint}"
    url = base_url.rstrip("/") + LOGIN_PATH
    hops: list[str] = []
    for _ in range(MAX_HOPS):
        hops.append(url)
        try:
            status, headers, body = _get(url, timeout)
        except (urllib.error.URLError, OSError, ValueError) as exc:
            reason = getattr(exc, "reason", exc)
            return LoginCheck(
                False,
                "unreachable",
                f"{url} did not answer ({reason})",
                "check that the MIP pods are Ready (mipwizard status) and that this machine reaches the address",
                tuple(hops),
            )
        location = {k.lower(): v for k, v in headers.items()}.get("location")
        if status in (301, 302, 303, 307, 308) and location:
            url = urllib.parse.urljoin(url, location)
            continue
        low = body.lower()
        if any(mark in low for mark in _REJECTED):
            return LoginCheck(
                False,
                "redirect-uri-rejected",
                "Keycloak refused the MIP's redirect URI (Invalid parameter: redirect_uri)",
                fix,
                tuple(hops),
            )
        if "/protocol/openid-connect/auth" in url and status == 200:
            return LoginCheck(True, "login-page", "the MIP login leads to the Keycloak login page", "", tuple(hops))
        if status >= 400 and "/protocol/openid-connect/" in url:
            return LoginCheck(
                False, "redirect-uri-rejected", f"Keycloak answered HTTP {status} to the login", fix, tuple(hops)
            )
        return LoginCheck(
            False,
            "no-redirect",
            f"the MIP login did not lead to Keycloak (HTTP {status} at {url})",
            f"check the profile's Keycloak settings (url, realm, client id); {fix}",
            tuple(hops),
        )
    return LoginCheck(False, "no-redirect", f"more than {MAX_HOPS} redirects from {hops[0]}", fix, tuple(hops))
