"""The refusals services raise; the API renders them in its one error shape, the pages
in their words."""

from __future__ import annotations


class ServiceError(Exception):
    """A refusal an integrator can act on; the API renders it in its one error shape.
    Messages are written in the active language: English for the API, the reader's in
    the dashboard, which creates invoices through these same services."""

    status = 422
    type = "invalid_request"

    def __init__(self, code: str, message: str, param: str | None = None):
        super().__init__(message)
        self.code, self.message, self.param = code, message, param


class Conflict(ServiceError):
    status = 409


class NotFound(ServiceError):
    status = 404
