"""The API's one error type and its JSON shape: ``{"error": "...", "field": "..."}``."""

from __future__ import annotations

from typing import Any

__all__ = ["ApiError"]


class ApiError(Exception):
    """An answer other than success: HTTP ``status``, a message saying what to do, the ``field`` at fault.

    >>> ApiError(400, "lat: is missing", "lat").body()
    {'error': 'lat: is missing', 'field': 'lat'}
    """

    def __init__(self, status: int, message: str, field: str = "") -> None:
        super().__init__(message)
        self.status, self.message, self.field = status, message, field

    def body(self) -> dict[str, Any]:
        out: dict[str, Any] = {"error": self.message}
        if self.field:
            out["field"] = self.field
        return out
