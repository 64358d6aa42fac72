"""What the pages' forms share."""

from __future__ import annotations

from django import forms


def choice_field(form: forms.BaseForm, name: str) -> forms.ChoiceField:
    """A form's choice field, to set its choices per request: `form.fields` is typed as
    holding any Field, which has no `choices`."""
    field = form.fields[name]
    if not isinstance(field, forms.ChoiceField):
        raise TypeError(f"{name} is a {type(field).__name__}, not a choice field")
    return field
