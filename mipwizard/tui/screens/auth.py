"""Authentication: external Keycloak, embedded Keycloak (https or plain http), or no login."""

from __future__ import annotations

import secrets

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Button, Input, RadioSet, Static

from ..widgets.field import Field
from ..widgets.toggles import Checkbox, RadioButton
from .base import StepScreen

AUTH_LABELS = {
    "external": "External Keycloak (e.g. EBRAINS iam.ebrains.eu)",
    "internal": "Keycloak embedded in the MIP (https)",
    "internal_http": "Embedded Keycloak over plain http (insecure)",
    "none": "No login (anyone who reaches the MIP can use it)",
}


def supported_auths(release: object) -> tuple[str, ...]:
    """The auth kinds of the answers' release (all four for an unknown name: the answers check says why)."""
    from ...core.releases import DEFAULT_RELEASE, release_by_name

    try:
        chosen = release_by_name(str(release)) if release else DEFAULT_RELEASE
    except ValueError:
        return tuple(AUTH_LABELS)
    return tuple(a.value for a in chosen.auth_kinds)


class AuthScreen(StepScreen):
    DEFAULT_CSS = """
    Checkbox { margin: 0 0 1 0; }
    """
    STEP = "Auth"
    HELP_TOPIC = "auth"

    def compose_body(self) -> ComposeResult:
        s = self.wizard.state
        offered = supported_auths(s.extra.get("release"))
        with RadioSet(id="auth"):
            for auth, label in AUTH_LABELS.items():
                if auth in offered:  # only what the release's chart can do
                    yield RadioButton(label, value=s.auth == auth, id=f"auth-{auth}")
        with Vertical(id="external", classes="group"):
            yield Field("Keycloak host", key="keycloak_url", name="keycloak.url", value=s.keycloak_url,
                        placeholder="iam.ebrains.eu")
            yield Field("Realm", key="keycloak_realm", name="keycloak.realm", value=s.keycloak_realm)
            yield Field("Client id", key="keycloak_client_id", name="keycloak.client_id",
                        value=s.keycloak_client_id, placeholder="e.g. mip-hospital-x")
            yield Field("Client secret", key="keycloak_client_secret", name="keycloak.client_secret",
                        value=s.keycloak_client_secret, password=True)
            yield Checkbox("Show the secret", id="reveal-external", compact=True)
            yield Static(self.client_warning(), id="client-warning", classes="warning")
        with Vertical(id="internal", classes="group"):
            yield Field("Realm", key="internal_realm", name="internal_keycloak.realm", value=s.internal_realm)
            yield Field("Client id", key="internal_client_id", name="internal_keycloak.client_id",
                        value=s.internal_client_id)
            yield Field("Client secret", key="internal_client_secret", name="internal_keycloak.client_secret",
                        value=s.internal_client_secret, password=True)
            yield Checkbox("Show the secret", id="reveal-internal", compact=True)
            yield Button("Generate a random secret", id="generate", compact=True)
            yield Static(
                "Plain http sends passwords unencrypted: use it only on a closed test network.",
                id="http-warning",
                classes="warning",
            )
        yield Static(
            "Without login, anyone who can reach the address can use the MIP and its data.",
            id="none-warning",
            classes="warning",
        )

    def client_warning(self) -> str:
        fqdn = self.wizard.state.machine_public_fqdn.strip() or "<MACHINE_PUBLIC_FQDN>"
        return (
            f"The client must be registered for THIS MIP instance: its redirect URI is https://{fqdn}/*. "
            "A client made for another MIP will not log anyone in."
        )

    def on_screen_resume(self) -> None:
        if self.query("#client-warning"):
            self.query_one("#client-warning", Static).update(self.client_warning())

    def on_mount(self) -> None:
        super().on_mount()
        self.call_after_refresh(self.show_auth)
        self.query_one("#auth", RadioSet).focus()

    def on_radio_set_changed(self, event: RadioSet.Changed) -> None:
        self.wizard.state.set("auth", (event.pressed.id or "auth-external").removeprefix("auth-"))
        self.show_auth()

    def show_auth(self) -> None:
        auth = self.wizard.state.auth
        self.query_one("#external").display = auth == "external"
        self.query_one("#internal").display = auth in ("internal", "internal_http")
        self.query_one("#http-warning").display = auth == "internal_http"
        self.query_one("#none-warning").display = auth == "none"
        self.refresh_next()

    def on_checkbox_changed(self, event: Checkbox.Changed) -> None:
        target = {"reveal-external": "keycloak_client_secret", "reveal-internal": "internal_client_secret"}
        key = target.get(event.checkbox.id or "")
        if key:
            self.query_one(f"#input-{key}", Input).password = not event.value

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "generate":
            event.stop()
            self.query_one("#input-internal_client_secret", Input).value = secrets.token_urlsafe(24)
        else:
            super().on_button_pressed(event)
