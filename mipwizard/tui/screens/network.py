"""Network: this machine's IP (detected or typed), public FQDN, direct or proxied, with a diagram."""

from __future__ import annotations

from textual import work
from textual.app import ComposeResult
from textual.widgets import RadioSet, Select, Static

from ...resources import asset_text
from ..widgets.field import Field
from ..widgets.toggles import RadioButton
from .base import StepScreen


def _fit(value: str, width: int, empty: str) -> str:
    value = value.strip() or empty
    return value if len(value) <= width else value[: width - 1] + "…"


def render_diagram(link: str, main_ip: str, public: str, private: str) -> str:
    art = asset_text(f"diagram_{link}.txt", "{public} -> {main_ip}\n")
    return art.format(
        public=_fit(public, 22, "<MACHINE_PUBLIC_FQDN>"),
        main_ip=_fit(main_ip, 24, "<MACHINE_MAIN_IP>"),
        private=_fit(private, 24, "<MACHINE_PRIVATE_FQDN_OR_IP>"),
    ).rstrip("\n")


class NetworkScreen(StepScreen):
    DEFAULT_CSS = """
    Select { width: 1fr; max-width: 72; margin-bottom: 1; }
    .diagram { margin-top: 1; color: $text; }
    """
    STEP = "Network"
    HELP_TOPIC = "network"
    AUTO_FOCUS = "#input-machine_main_ip"  # focused before the first frame: early keystrokes are not lost

    def compose_body(self) -> ComposeResult:
        state = self.wizard.state
        yield Select[str]([], prompt="Detected addresses of this machine…", id="detected", compact=True)
        yield Field(
            "MACHINE_MAIN_IP: this server's own IP address",
            key="machine_main_ip",
            name="MACHINE_MAIN_IP",
            value=state.machine_main_ip,
            placeholder="e.g. 10.20.30.40",
        )
        yield Field(
            "MACHINE_PUBLIC_FQDN: the name users type in their browser",
            key="machine_public_fqdn",
            name="MACHINE_PUBLIC_FQDN",
            value=state.machine_public_fqdn,
            placeholder="e.g. mip.hospital.org",
        )
        yield Static("How do users reach this machine?", classes="question")
        with RadioSet(id="link"):
            yield RadioButton("Directly", value=state.link == "direct", id="link-direct")
            yield RadioButton("Through a reverse proxy", value=state.link == "proxied", id="link-proxied")
        yield Field(
            "MACHINE_PRIVATE_FQDN_OR_IP: the address the proxy forwards to",
            key="machine_private_fqdn_or_ip",
            name="MACHINE_PRIVATE_FQDN_OR_IP",
            value=state.machine_private_fqdn_or_ip,
            placeholder="e.g. 10.20.30.40 or mip.internal",
        )
        yield Static("", id="diagram", classes="diagram")

    def on_mount(self) -> None:
        super().on_mount()
        self.call_after_refresh(self._ready)
        self.detect_addresses()

    def _ready(self) -> None:
        self.show_link()

    @work(thread=True, exclusive=True, group="addresses", exit_on_error=False)
    def detect_addresses(self) -> None:
        try:
            pairs = self.wizard.env.addresses()
        except Exception:  # nothing detected: the user types the address
            pairs = []
        usable = [(iface, addr) for iface, addr in pairs if not addr.startswith(("127.", "::1", "fe80"))]
        self.app.call_from_thread(self._fill_detected, usable)

    def _fill_detected(self, pairs: list[tuple[str, str]]) -> None:
        select = self.query_one("#detected", Select)
        select.set_options([(f"{addr}  ({iface})", addr) for iface, addr in pairs])
        if not pairs:
            select.prompt = "No address detected: type it below"

    def on_select_changed(self, event: Select.Changed) -> None:
        if event.select.id == "detected" and isinstance(event.value, str):
            self.query_one("#field-machine_main_ip Input").value = event.value  # type: ignore[attr-defined]

    def on_radio_set_changed(self, event: RadioSet.Changed) -> None:
        self.wizard.state.set("link", (event.pressed.id or "link-direct").removeprefix("link-"))
        self.show_link()

    def on_field_changed(self, event: Field.Changed) -> None:
        super().on_field_changed(event)
        self.update_diagram()

    def show_link(self) -> None:
        self.query_one("#field-machine_private_fqdn_or_ip").display = self.wizard.state.link == "proxied"
        self.update_diagram()
        self.refresh_next()

    def update_diagram(self) -> None:
        s = self.wizard.state
        self.query_one("#diagram", Static).update(
            render_diagram(s.link, s.machine_main_ip, s.machine_public_fqdn, s.machine_private_fqdn_or_ip)
        )

    def blocker(self) -> str | None:
        for field in self.query(Field):
            if field.display and field.error:
                return field.error
        return None
