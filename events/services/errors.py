"""The one error type of the services: a refused change, with a code, a field and an HTTP status."""

from __future__ import annotations

from typing import Any


class ServiceError(Exception):
    """A change refused, with a machine-readable code, the field at fault and an HTTP status."""

    def __init__(
        self,
        message: str,
        *,
        code: str,
        field: str | None = None,
        status: int = 400,
        current: dict | None = None,
    ) -> None:
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
