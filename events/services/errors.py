"""The one error type of the services: a refused change, with a code, a field and an HTTP status.

The message is for the person who made the change, in their language (the request's, where there is one);
the code and the field are for their client, the same in every language.
"""

from __future__ import annotations

from typing import Any


class ServiceError(Exception):
    """A change refused, with a machine-readable code, the field at fault and an HTTP status."""

    def __init__(
        self,
        message,
        *,
        code: str,
        field: str | None = None,
        status: int = 400,
        current: dict | None = None,
    ) -> None:
        # A lazy message (one written at import time) is put in words now, in the language of the moment.
        message = str(message)
        super().__init__(message)
        self.message = message
        self.code = code
        self.field = field
        self.status = status
        self.current = current

    def to_dict(self) -> dict:
        data: dict[str, Any] = {"detail": self.message, "code": self.code, "field": self.field}
        if self.current is not None:
            data["current"] = self.current
        return data
