"""Data & engine: federation, pathologies, data root, Exareme2 local nodes, SMPC when allowed."""

from __future__ import annotations

from textual import work
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Label, Static

from ...core.fields import SMPC_MIN_PLAYERS
from ..widgets.field import Field
from ..widgets.toggles import Switch
from .base import StepScreen


class DataEngineScreen(StepScreen):
    DEFAULT_CSS = """
    .switch-row { height: auto; }
    .switch-row Label { padding: 1 1; }
    """
    STEP = "Data"
    HELP_TOPIC = "data"

    def __init__(self) -> None:
        super().__init__()
        self.smpc_players: int | None = None

    def compose_body(self) -> ComposeResult:
        s = self.wizard.state
        yield Field("Federation name", key="federation", name="federation", value=s.federation,
                    hint="A folder under the data root, e.g. mipfed1")
        yield Field("Pathologies (comma-separated)", key="pathologies", name="pathologies",
                    value=s.pathologies)
        yield Field("Data root", key="data_root", name="data_root", value=s.data_root,
                    hint="CSV data go in <data root>/<federation>/<pathology>")
        if s.role == "worker":  # Exareme2 and SMPC are set on the master
            yield Static("Exareme2 and SMPC are set on the master; this worker only holds the data folders.",
                         classes="hint")
            return
        yield Field("Exareme2 local (worker) nodes", key="localnodes", name="exareme2.localnodes",
                    value=s.localnodes)
        with Horizontal(classes="switch-row"):
            yield Switch(value=s.smpc, id="smpc", disabled=True)
            yield Label("Secure multi-party computation (SMPC)")
        yield Static("", id="smpc-reason", classes="hint")

    def on_mount(self) -> None:
        super().on_mount()
        self.call_after_refresh(self._ready)

    def _ready(self) -> None:
        self.query_one("#input-federation").focus()
        if self.query("#smpc"):
            self.update_smpc()

    def on_screen_resume(self) -> None:
        if self.query("#smpc"):  # resumed before the first compose: on_mount handles it
            self.update_smpc()

    def update_smpc(self) -> None:
        s = self.wizard.state
        switch = self.query_one("#smpc", Switch)
        reason = self.query_one("#smpc-reason", Static)
        if s.role != "master":
            switch.disabled = True
            if s.smpc:
                s.set("smpc", False)
                switch.value = False
            reason.update(
                f"Only a federation master can use SMPC (it needs ≥ {SMPC_MIN_PLAYERS} nodes labelled smpc_player)."
            )
            return
        if self.smpc_players is None:
            reason.update("Counting the nodes labelled smpc_player…")
            self.count_players()
            return
        allowed = self.smpc_players >= SMPC_MIN_PLAYERS
        switch.disabled = not allowed
        if allowed:
            reason.update(f"{self.smpc_players} nodes are labelled smpc_player.")
        else:
            reason.update(
                f"SMPC needs ≥ {SMPC_MIN_PLAYERS} nodes labelled smpc_player; {self.smpc_players} found. "
                "Join workers and label them (`mipwizard node label NAME --worker --smpc-player`), then come back."
            )

    @work(thread=True, exclusive=True, group="smpc", exit_on_error=False)
    def count_players(self) -> None:
        try:
            count = self.wizard.env.count_smpc_players()
        except Exception:
            count = 0
        self.app.call_from_thread(self._players_counted, count)

    def _players_counted(self, count: int) -> None:
        self.smpc_players = count
        self.update_smpc()

    def on_switch_changed(self, event: Switch.Changed) -> None:
        if event.switch.id == "smpc":
            self.wizard.state.set("smpc", event.value)
