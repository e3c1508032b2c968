"""A labelled input checked as the user types, with the engine validator's message under it.

The check is the engine's (``core.fields.FORM`` by default), run through Textual's own ``Input``
validators: the same function, the same message as ``mipwizard install --answers``.
"""

from __future__ import annotations

from collections.abc import Callable

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.validation import ValidationResult, Validator
from textual.widgets import Input, Label, Static

from ...core.fields import FORM_BY_ATTR

Check = Callable[[str], object]  # raises ValueError(message) when the value is wrong


class EngineRule(Validator):
    """A Textual validator around an engine check: its ValueError text is the failure message."""

    def __init__(self, check: Check) -> None:
        super().__init__()
        self.check = check

    def validate(self, value: str) -> ValidationResult:
        try:
            self.check(value)
        except ValueError as exc:
            return self.failure(str(exc))
        return self.success()


class Field(Vertical):
    """``label`` / input / error line. ``error`` is None when valid."""

    DEFAULT_CSS = """
    Field { height: auto; margin: 0 0 1 0; }
    Field > Label { color: $text; text-style: bold; }
    Field > .hint { color: $text-muted; }
    Field > .error { color: $error; text-style: bold; display: none; }
    Field.-invalid > .error { display: block; }
    Field > Input { width: 1fr; max-width: 72; }
    """

    class Changed(Message):
        def __init__(self, field: Field, value: str) -> None:
            super().__init__()
            self.field = field
            self.value = value

        @property
        def control(self) -> Field:
            return self.field

    def __init__(
        self,
        label: str,
        *,
        key: str,
        value: str = "",
        check: Check | None = None,
        hint: str = "",
        placeholder: str = "",
        password: bool = False,
        name: str | None = None,
        id: str | None = None,
    ) -> None:
        super().__init__(id=id or f"field-{key}")
        form = FORM_BY_ATTR.get(key)
        self.key = key  # the wizard state's attribute
        self.field_name = name or (form.name if form else key)  # names the field in messages
        self.label = label
        self.check = check or (form.check if form else None)
        self.hint = hint
        self._initial = value
        self._placeholder = placeholder
        self._password = password
        self.error: str | None = None

    def compose(self) -> ComposeResult:
        yield Label(self.label)
        if self.hint:
            yield Static(self.hint, classes="hint")
        yield Input(
            value=self._initial,
            placeholder=self._placeholder,
            password=self._password,
            compact=True,
            id=f"input-{self.key}",
            validators=[EngineRule(self.check)] if self.check else None,
            validate_on=["changed"],
        )
        yield Static("", classes="error")

    def on_mount(self) -> None:
        self.validate(self._initial, show=bool(self._initial))

    @property
    def input(self) -> Input:
        return self.query_one(Input)

    @property
    def value(self) -> str:
        return self.input.value

    def validate(self, value: str, *, show: bool = True) -> str | None:
        """Run the check; the message shows under the field (unless ``show`` is False)."""
        result = self.input.validate(value)
        self.error = None
        if result is not None and not result.is_valid:
            self.error = f"{self.field_name}: {result.failure_descriptions[0]}"
        self.set_class(show and self.error is not None, "-invalid")
        self.input.set_class(show and self.error is not None, "-invalid")
        self.query_one(".error", Static).update(self.error or "")
        return self.error

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        self.validate(event.value)
        self.post_message(self.Changed(self, event.value))
