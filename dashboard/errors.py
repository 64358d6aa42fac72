"""The dashboard's rendering of a `GatewayError`: its message, in the reader's language
(the API's own words, translated) — on the form field it names, or as the page's error."""

from __future__ import annotations

from django import forms

from core.errors import GatewayError


def message(error: GatewayError) -> str:
    return error.message


def sentence(error: GatewayError) -> str:
    """The message as a sentence (capital first, a full stop last), for a page that shows
    it alone: the API's messages are phrases."""
    text = error.message
    text = text[:1].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else f"{text}."


def add_to_form(form: forms.Form, error: GatewayError, fields: dict | None = None) -> None:
    """On the field the error's `param` names (`fields` maps a param to the form's name for
    it), else on the whole form."""
    field = (fields or {}).get(error.param, error.param)
    form.add_error(field if field in form.fields else None, message(error))
