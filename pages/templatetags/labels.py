"""The dashboard's words for codes and its locale-formatted numbers, for templates:
{% load labels %} then {{ invoice.status|status_label }}, {{ amount|l10n_amount }}."""

from django import template

from pages import labels

register = template.Library()


@register.filter
def status_label(code):
    return labels.status(code)


@register.filter
def context_label(code):
    return labels.context(code)


@register.filter
def kind_label(code):
    return str(labels.SHORT_KINDS.get(code, code))


@register.filter
def tx_state(code):
    return str(labels.TRANSACTION_STATES.get(code, code))


@register.filter
def refund_label(code):
    return str(labels.REFUND_STATES.get(code, code))


@register.filter
def event_label(code):
    return str(labels.EVENT_TYPES.get(code, code))


@register.filter
def l10n_amount(text):
    return labels.amount(text)


@register.simple_tag
def confirmations(count, required):
    return labels.confirmations(int(count or 0), int(required or 0))


@register.filter
def l10n_datetime(value, seconds=""):
    return labels.datetime_text(value, seconds=bool(seconds))
