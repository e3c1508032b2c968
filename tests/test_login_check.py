"""The external-Keycloak login check against a local HTTP server (127.0.0.1 only): a MIP whose
login redirects to a Keycloak that shows its login page, or refuses the redirect URI."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import yaml

from mipwizard.cli.main import main
from mipwizard.core.cluster.login_check import check_login

KEYCLOAK_AUTH = "/auth/realms/MIP/protocol/openid-connect/auth"


class Site:
    """The MIP gateway and a Keycloak on one port; ``allowed`` is the client's redirect URI check."""

    def __init__(self) -> None:
        self.allowed = True
        self.login_redirects = True
        self.requests: list[str] = []
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                site.requests.append(self.path)
                if self.path.startswith("/services/sso/login"):
                    if site.login_redirects:
                        self.send_response(302)
                        self.send_header("Location", f"{KEYCLOAK_AUTH}?client_id=mip&redirect_uri=x")
                        self.end_headers()
                    else:
                        self._page(200, "<html>MIP (no login configured)</html>")
                elif self.path.startswith(KEYCLOAK_AUTH):
                    if site.allowed:
                        self._page(200, '<html><form id="kc-form-login">Sign in to MIP</form></html>')
                    else:  # Keycloak's error page text
                        self._page(400, "<html><p>Invalid parameter: redirect_uri</p></html>")
                else:
                    self._page(404, "not found")

            def _page(self, code: int, body: str) -> None:
                self.send_response(code)
                self.send_header("Content-Type", "text/html")
                self.end_headers()
                self.wfile.write(body.encode())

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"


@pytest.fixture
def site() -> Iterator[Site]:
    site = Site()
    thread = threading.Thread(target=site.server.serve_forever, daemon=True)
    thread.start()
    yield site
    site.server.shutdown()
    site.server.server_close()


def test_login_reaches_the_keycloak_login_page(site: Site) -> None:
    result = check_login(site.url, redirect_hint="https://mip.example.org/*")
    assert result.ok and result.state == "login-page"
    assert site.requests == ["/services/sso/login", f"{KEYCLOAK_AUTH}?client_id=mip&redirect_uri=x"]


def test_rejected_redirect_uri_gives_the_hint(site: Site) -> None:
    site.allowed = False
    result = check_login(site.url, redirect_hint="https://mip.example.org/*")
    assert not result.ok and result.state == "redirect-uri-rejected"
    assert "Valid Redirect URIs must include https://mip.example.org/*" in result.fix


def test_no_redirect_and_unreachable(site: Site) -> None:
    site.login_redirects = False
    result = check_login(site.url, redirect_hint="https://mip.example.org/*")
    assert result.state == "no-redirect" and "https://mip.example.org/*" in result.fix
    site.server.shutdown()
    site.server.server_close()
    result = check_login(site.url, redirect_hint="https://x/*", timeout=2)
    assert result.state == "unreachable" and not result.ok


def test_cli_login_check(site: Site, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    answers = tmp_path / "answers.yaml"
    answers.write_text(yaml.safe_dump({"machine_public_fqdn": "mip.example.org", "active_profile": "direct"}))
    site.allowed = False
    code = main(["login-check", "--url", site.url, "--answers", str(answers)])
    out = capsys.readouterr().out
    assert code == 1 and "Invalid parameter: redirect_uri" in out and "https://127.0.0.1/*" in out
    site.allowed = True
    assert main(["login-check", "--url", site.url, "--answers", str(answers)]) == 0
    answers.write_text(
        yaml.safe_dump({"machine_public_fqdn": "mip.example.org", "active_profile": "direct.internal_auth"})
    )
    assert main(["login-check", "--answers", str(answers)]) == 0
    assert "nothing to check" in capsys.readouterr().out
