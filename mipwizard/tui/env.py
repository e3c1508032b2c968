"""The engine pieces the wizard uses, injectable so tests and snapshots run on fake machines.

Every default imports its engine module lazily (inside the call, in a worker thread), so the
first frame never waits for pydantic, psutil or the install engine.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..core.cluster.queries import ClusterQueries
    from ..core.install.events import InstallEvent, InstallResult

# The engine's typed install events (core.install.events), called from the install thread.
EventCallback = Callable[["InstallEvent"], None]


class InstallHandle:
    """One install run the UI can start, retry from a step, skip a step, or cancel."""

    def __init__(self, run: Callable[..., InstallResult]) -> None:
        self._run = run

    def run(self, *, from_step: str | None, cancel: threading.Event) -> InstallResult:
        return self._run(from_step=from_step, cancel=cancel)


@dataclass(eq=False)  # a holder: no generated __eq__, faster import
class WizardEnv:
    """Where state lives and how the machine is probed and installed. ``None`` → the real thing."""

    state_dir: Path | None = None
    log_dir: Path | None = None
    answers_file: Path | None = None  # a saved answers file to pre-fill from
    profiles_dir: Path | None = None  # where the profiles are (default <mip_deployment.path>/kubernetes)
    probe: Any = None  # mipwizard.core.preflight.Probe
    # A synthetic machine description (tests/machines/*.json) instead of this machine: demos, tmux tests.
    machine_file: Path | None = None
    clock: Callable[[], float] = time.monotonic
    show_elapsed: bool = True  # snapshot tests turn the ticking clock off
    # check_specs(role) -> [CheckSpec]; iter_checks(role, ignore) -> iterator of CheckResult
    check_specs: Callable[[str], list[Any]] | None = None
    iter_checks: Callable[[str, Iterable[str]], Iterator[Any]] | None = None
    interface_addresses: Callable[[], list[tuple[str, str]]] | None = None
    smpc_players: Callable[[], int] | None = None
    # plan(answers) -> [Step(id, title)]; installer(answers, on_event) -> InstallHandle
    plan: Callable[[Any], list[Any]] | None = None
    install_settings: Any = None  # mipwizard.core.install.InstallSettings (tests shorten the polls)
    # needs_password() -> True when not root and sudo asks for a password (default: `sudo -n true` fails)
    needs_password: Callable[[], bool] | None = None
    sudo_password: str | None = field(default=None, repr=False)  # asked by the UI, memory only
    installer: Callable[[Any, EventCallback], InstallHandle] | None = None
    # helm_releases() -> release names on this machine's cluster (Welcome recognises an install by them)
    helm_releases: Callable[[], list[str]] | None = None
    # cluster() -> the ClusterQueries Review compares the deployed values with (default: this machine's)
    cluster: Callable[[], ClusterQueries] | None = None

    # --- paths ---------------------------------------------------------------------------------
    def state_path(self) -> Path:
        if self.state_dir is not None:
            return self.state_dir
        from ..core.paths import state_dir

        return state_dir()

    def log_path(self) -> Path:
        if self.log_dir is not None:
            return self.log_dir / "install.log"
        from ..core.paths import install_log_path

        return install_log_path()

    def saved_answers_path(self) -> Path:
        return self.answers_file or self.state_path() / "answers.yaml"

    # --- preflight -----------------------------------------------------------------------------
    def machine_probe(self) -> Any:
        if self.probe is None and self.machine_file is not None:
            from ..core.preflight import FakeProbe

            self.probe = FakeProbe.from_json(self.machine_file)
        return self.probe

    def specs(self, role: str) -> list[Any]:
        if self.check_specs is not None:
            return self.check_specs(role)
        from ..core.answers import Role
        from ..core.preflight import check_specs

        return list(check_specs(Role(role)))

    def checks(self, role: str, ignore: Iterable[str], facts: Any = None,
               only: Iterable[str] | None = None) -> Iterator[Any]:
        """The role's checks; with ``facts`` (a ``HostFacts``) also of the main IP, FQDN and data root."""
        wanted = None if only is None else set(only)
        if self.iter_checks is not None:
            yield from (r for r in self.iter_checks(role, ignore) if wanted is None or r.id in wanted)
            return
        from ..core.answers import Role
        from ..core.preflight import iter_checks

        yield from iter_checks(Role(role), probe=self.machine_probe(), ignore=tuple(ignore), answers=facts,
                               only=wanted)

    def host_name(self) -> str:
        """This machine's host name (the probed one for a described machine), for the Install question."""
        import socket

        probe = self.machine_probe()
        try:
            return str(probe.hostname()) if probe is not None else socket.gethostname()
        except Exception:  # a described machine without one
            return socket.gethostname()

    def addresses(self) -> list[tuple[str, str]]:
        if self.interface_addresses is not None:
            return self.interface_addresses()
        from ..core.preflight import local_interface_addresses

        return list(local_interface_addresses(probe=self.machine_probe()))

    def count_smpc_players(self) -> int:
        if self.smpc_players is not None:
            return self.smpc_players()
        from ..core.federation import list_nodes, smpc_players

        try:
            return len(smpc_players(list_nodes()))
        except Exception:  # no cluster yet: nobody is an SMPC player
            return 0

    def cluster_queries(self) -> ClusterQueries | None:
        return self.cluster() if self.cluster is not None else None

    def deployed_releases(self) -> list[str]:
        if self.helm_releases is not None:
            return self.helm_releases()
        from ..core.existing import helm_release_names

        return helm_release_names()

    # --- install -------------------------------------------------------------------------------
    def sudo_needs_password(self) -> bool:
        if self.needs_password is not None:
            return self.needs_password()
        from ..core.system import capture, is_root

        if is_root():
            return False
        try:
            return not capture(["sudo", "-n", "true"], timeout=10).ok
        except Exception:  # no sudo at all: the install's own checks say so
            return False

    def install_plan(self, answers: Any) -> list[Any]:
        if self.plan is not None:
            return self.plan(answers)
        from ..core.install import build_plan

        return list(build_plan(answers, self.install_settings))

    def make_installer(self, answers: Any, on_event: EventCallback) -> InstallHandle:
        if self.installer is not None:
            return self.installer(answers, on_event)
        return _real_installer(self, answers, on_event)


def _real_installer(env: WizardEnv, answers: Any, on_event: EventCallback) -> InstallHandle:
    """The engine's InstallEngine over a ProcessRunner that logs to disk, secrets redacted."""

    def run(*, from_step: str | None, cancel: threading.Event) -> InstallResult:
        from ..core.install import InstallEngine, InstallResult, Journal
        from ..core.lock import InstallLock, InstallLocked
        from ..core.logfile import LogFile
        from ..core.redact import Redactor
        from ..core.runner import ProcessRunner

        try:
            lock = InstallLock(env.state_path() / "install.lock").acquire()  # one install at a time
        except InstallLocked as exc:  # the screen shows it as the run's failure, with who holds the lock
            return InstallResult(ok=False, message=str(exc))
        try:
            log = LogFile(env.log_path())
        except BaseException:
            lock.release()
            raise
        try:
            runner = ProcessRunner(redactor=Redactor(answers.secrets()), log=log, sudo_password=env.sudo_password)
            journal = Journal(env.state_path() / "install-journal.json")
            engine = InstallEngine(env.install_plan(answers), runner, journal, on_event=on_event)
            return engine.run(from_step=from_step, cancel=cancel)
        finally:
            log.close()
            lock.release()

    return InstallHandle(run)
