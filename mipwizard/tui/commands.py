"""Command palette (Ctrl+P): jumps and tools, hidden when their screen is not installed."""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from textual.command import DiscoveryHit, Hit, Hits, Provider

if TYPE_CHECKING:
    from .host import Wizard


def module_available(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


class WizardCommands(Provider):
    def commands(self) -> list[tuple[str, str, Callable[[], object]]]:
        app: Wizard = self.app  # type: ignore[assignment]  # WizardApp, which implements Wizard
        found: list[tuple[str, str, Callable[[], object]]] = []
        if app.state.role != "worker":  # a worker runs no MIP chart, so it has no profile to choose
            found.append(("Switch profile", "Choose the active profile (Review step)", app.action_switch_profile))
        found += [
            ("Open log", "The full install log on disk", app.action_open_log),
            ("Re-run preflight", "Check this machine again", app.action_rerun_preflight),
        ]
        optional: tuple[tuple[str, str, str, Callable[[], object]], ...] = (
            ("Troubleshoot", "Pods, events and logs of the running MIP", "troubleshoot", app.action_troubleshoot),
            ("Data", "Check the datasets under the data root", "data", app.action_data),
            ("Nodes", "Federation nodes, joins and labels", "nodes", app.action_nodes),
        )
        if app.state.role != "worker":  # backup, restore and upgrade look after the MIP's own folders
            optional += tuple(
                (title, help_text, "backup", partial(app._push_tool, "backup", "BackupScreen", start))
                for title, help_text, start in (
                    ("Backup", "Back up the MIP's folders, settings and databases", "backup"),
                    ("Restore a backup", "Put a backup back (stops and restarts the MIP)", "restore"),
                    ("Upgrade the MIP", "Move to another release (backs up first, rolls back on failure)", "upgrade"),
                )
            )
        for title, help_text, module, action in optional:
            if module_available(f"mipwizard.tui.screens.{module}"):
                found.append((title, help_text, action))
        for step in app.steps[:-1]:  # Install only starts from Review
            found.append((f"Go to {step}", f"Jump to the {step} step", partial(app.goto, step)))
        return found

    async def discover(self) -> Hits:
        for title, help_text, callback in self.commands():
            yield DiscoveryHit(title, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, help_text, callback in self.commands():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), callback, help=help_text)
