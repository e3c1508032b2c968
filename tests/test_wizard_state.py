"""The wizard's state is made from the one answers schema (core/fields.py FORM): no per-field code.

Every schema field round-trips through WizardState (answers mapping → state → mapping), starts at
the model's own default, and a field added to the schema alone is a working state attribute.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from mipwizard.core import fields
from mipwizard.core.answers import answers_from_mapping
from mipwizard.core.fields import FORM, FormField, dig, drop
from mipwizard.tui import state as state_module
from mipwizard.tui.state import WizardState

SAMPLES: dict[str, Any] = {"text": "sample-value", "list": ["alpha", "beta"], "int": 7, "bool": True}


def _round_trip(form: FormField) -> None:
    sample = SAMPLES[form.kind]
    kept_by = []
    for role in ("local", "worker"):
        state = WizardState()
        state.load_mapping({"role": role, **_nested(form.key, sample)})
        assert getattr(state, form.attr) == (sample if form.kind == "bool" else form.to_text(sample)), form.attr
        found, value = dig(state.to_mapping(), form.key)
        if found:
            kept_by.append(role)
            assert value == sample, (form.attr, role)
    assert kept_by, f"{form.attr} is saved for no role"


def _nested(dotted: str, value: Any) -> dict[str, Any]:
    for part in reversed(dotted.split(".")):
        value = {part: value}
    return value


@pytest.mark.parametrize("form", FORM, ids=[f.attr for f in FORM])
def test_every_schema_field_round_trips_through_the_state(form: FormField) -> None:
    _round_trip(form)


def test_the_state_starts_at_the_schema_initial_which_is_the_models_default(answers_data: dict) -> None:
    compared = []
    for form in FORM:
        assert getattr(WizardState(), form.attr) == form.initial
        data = copy.deepcopy(dict(answers_data, role="local"))
        drop(data, form.key)
        try:
            model = answers_from_mapping(data).model_dump(mode="json")
        except Exception:  # a required key (federation, the addresses): the wizard's initial is a suggestion
            continue
        found, default = dig(model, form.key)
        if found and default not in (None, ""):
            assert (default if form.kind == "bool" else form.to_text(default)) == form.initial, form.attr
            compared.append(form.attr)
    assert {"keycloak_url", "internal_client_id", "pathologies", "data_root", "localnodes", "smpc"} <= set(compared)


def test_a_field_added_to_the_schema_alone_is_a_state_attribute(monkeypatch: pytest.MonkeyPatch) -> None:
    new = FormField("exareme2_log_level", "exareme2.log_level", initial="INFO")
    form = (*FORM, new)
    by_attr = {f.attr: f for f in form}
    for module in (fields, state_module):
        monkeypatch.setattr(module, "FORM", form)
        monkeypatch.setattr(module, "FORM_BY_ATTR", by_attr)
    state = WizardState()
    assert state.exareme2_log_level == "INFO"
    state.set("exareme2_log_level", "DEBUG")
    assert state.dirty and dig(state.to_mapping(), "exareme2.log_level") == (True, "DEBUG")
    _round_trip(new)


def test_unknown_names_are_errors_not_silent_attributes() -> None:
    with pytest.raises(AttributeError):
        _ = WizardState().no_such_field
    with pytest.raises(TypeError):
        WizardState(no_such_field=1)
    assert WizardState(federation="fed2", role="master").federation == "fed2"
