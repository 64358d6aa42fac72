"""Logging: a request id for every request (taken from X-Request-Id when the proxy sets a
sane one, else made up), returned in the response, attached to every log record written
while the request runs and to the callback attempts it makes; and, with LOG_FORMAT=json,
one JSON object per line."""

from __future__ import annotations

import contextvars
import json
import logging
import re
import uuid
from datetime import UTC, datetime

from django.core.signals import request_finished

_request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")
_ACCEPTED = re.compile(r"[A-Za-z0-9._:-]{1,100}")  # what a proxy's id may look like


def current_request_id() -> str:
    """The running request's id, or "" outside a request (a worker's task, a command)."""
    return _request_id.get()


def new_request_id() -> str:
    return uuid.uuid4().hex


def _forget(**kwargs) -> None:
    _request_id.set("")


class RequestIdMiddleware:
    """Sets the id for the whole request, until Django's request_finished: the handler logs
    an error response (django.request) after the middleware has returned."""

    def __init__(self, get_response):
        self.get_response = get_response
        request_finished.connect(_forget, dispatch_uid="core.logs.forget_request_id")

    def __call__(self, request):
        given = request.headers.get("X-Request-Id", "")
        request_id = given if _ACCEPTED.fullmatch(given) else new_request_id()
        _request_id.set(request_id)
        response = self.get_response(request)
        response["X-Request-Id"] = request_id
        return response


class RequestIdFilter(logging.Filter):
    def filter(self, record):
        record.request_id = current_request_id()
        return True


class JsonFormatter(logging.Formatter):
    """{"time", "level", "logger", "message", "request_id"?, "exception"?} on one line."""

    def format(self, record):
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if getattr(record, "request_id", ""):
            entry["request_id"] = record.request_id
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def logging_config(log_format: str, level: str) -> dict:
    """The LOGGING setting: plain text (the default) or JSON lines."""
    formatter = (
        {"()": "core.logs.JsonFormatter"}
        if log_format == "json"
        else {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}
    )
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": "core.logs.RequestIdFilter"}},
        "formatters": {"default": formatter},
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": "default",
                "filters": ["request_id"],
            }
        },
        "root": {"handlers": ["console"], "level": level},
    }
