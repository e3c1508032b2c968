"""Run a plan: probe each step, run what is not done, stop clearly at the first failure.

Events go to ``on_event`` (the CLI prints them, the TUI forwards them from a worker thread).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from ..runner import ProcessRunner
from .events import InstallEvent, InstallResult, Outcome, PlanFinished, StepFinished, StepOutput, StepStarted
from .facts import Facts
from .journal import Journal
from .settings import InstallSettings
from .steps import Probe, Step, StepContext, StepFailed, StepWarning


class InstallEngine:
    def __init__(
        self,
        plan: list[Step],
        runner: ProcessRunner,
        journal: Journal,
        *,
        on_event: Callable[[InstallEvent], None] | None = None,
        url: str | None = None,
        done_message: str = "",
        settings: InstallSettings | None = None,
    ) -> None:
        self.settings = settings or InstallSettings()
        self.plan = plan
        self.runner = runner
        self.journal = journal
        self.on_event = on_event or (lambda _event: None)
        last = plan[-1] if plan else None
        self.url = url or (last.result_url if last else None)
        self.done_message = done_message or (last.done_message if last else "")
        self._lock = threading.Lock()  # events are emitted one at a time

    def step_ids(self) -> list[str]:
        return [s.id for s in self.plan]

    def _emit(self, event: InstallEvent) -> None:
        with self._lock:
            self.on_event(event)

    def run(
        self,
        *,
        from_step: str | None = None,
        only_step: str | None = None,
        cancel: threading.Event | None = None,
    ) -> InstallResult:
        """Run the plan. The step named by ``from_step``/``only_step`` runs even if its probe says
        done (that is what retrying or forcing a step means); later steps trust their probes."""
        ids = self.step_ids()
        for name in (from_step, only_step):
            if name is not None and name not in ids:
                raise ValueError(f"no step {name!r} — steps: {', '.join(ids)}")
        log_path = self.runner.log.path if self.runner.log is not None else None
        facts = Facts(self.settings)
        outcomes: dict[str, Outcome] = {}
        warnings: list[str] = []
        forced = only_step or from_step
        start_index = ids.index(forced) if forced else 0
        for index, step in enumerate(self.plan):
            if only_step is not None and step.id != only_step:
                continue
            if index < start_index:
                outcomes[step.id] = "skipped"
                self._emit(StepFinished(step.id, "skipped", 0.0, "skipped (--from)"))
                continue
            if cancel is not None and cancel.is_set():
                return self._finish(InstallResult(False, step.id, "cancelled", log_path, outcomes=outcomes))
            outcome, message, tail = self._run_step(step, force=step.id == forced, cancel=cancel, facts=facts)
            outcomes[step.id] = outcome
            if outcome == "failed":
                text = f"step {step.id} failed: {message}"
                return self._finish(InstallResult(False, step.id, text, log_path, tail=tail, outcomes=outcomes))
            if outcome == "warning":
                warnings.append(f"{step.id}: {message}")
        self.journal.finish_run()
        message = self.done_message or "the installation is complete"
        return self._finish(
            InstallResult(True, None, message, log_path, url=self.url, outcomes=outcomes, warnings=warnings)
        )

    def _finish(self, result: InstallResult) -> InstallResult:
        if self.runner.log is not None:
            prefix = "finished: " if result.ok else "stopped: "
            self.runner.log.note(prefix + self.runner.redactor.redact(result.message))
        self._emit(PlanFinished(result))
        return result

    def _run_step(
        self, step: Step, *, force: bool, cancel: threading.Event | None, facts: Facts
    ) -> tuple[Outcome, str, list[str]]:
        started = time.monotonic()
        self._emit(StepStarted(step.id, step.title))
        if self.runner.log is not None:
            self.runner.log.note(f"step {step.id}: {step.title}")
        ctx = StepContext(
            self.runner,
            step_id=step.id,
            on_lines=lambda lines: self._emit(StepOutput(step.id, lines)),
            cancel=cancel,
            facts=facts,
        )
        redact = self.runner.redactor.redact
        try:
            if not force and step.probe is not None:
                probe: Probe = step.probe(ctx)
                if probe.done and (not step.needs_journal or self.journal.is_done(step.id, step.fingerprint)):
                    if self.journal.fingerprint(step.id) != step.fingerprint:
                        self.journal.record_done(step.id, step.fingerprint, "already")
                    message = probe.detail or "already done"
                    self._finished(step, "already", started, message)
                    return "already", message, []
            self.journal.mark_running(step.id)
            message = step.perform(ctx)
        except StepWarning as exc:  # finished: what it found does not stop the install
            message = redact(exc.message)
            self.journal.record_done(step.id, step.fingerprint, "warning", message)
            self._finished(step, "warning", started, message)
            return "warning", message, []
        except StepFailed as exc:
            message = redact(exc.message)
            self.journal.record_failed(step.id, message)
            self._finished(step, "failed", started, message)
            return "failed", message, [redact(line) for line in exc.tail]
        except Exception as exc:  # a bug or an unexpected system state: still a clear stop
            message = redact(f"{exc.__class__.__name__}: {exc}")
            self.journal.record_failed(step.id, message)
            self._finished(step, "failed", started, message)
            return "failed", message, []
        message = redact(message)
        self.journal.record_done(step.id, step.fingerprint, "done", message)
        self._finished(step, "done", started, message)
        return "done", message, []

    def _finished(self, step: Step, outcome: Outcome, started: float, message: str) -> None:
        seconds = time.monotonic() - started
        if self.runner.log is not None:
            self.runner.log.note(f"step {step.id}: {outcome} after {seconds:.1f} s — {message}")
        self._emit(StepFinished(step.id, outcome, seconds, message))
