"""The plain objects that flow through the pipeline: pings, plate reads, alerts.

Units inside the code: metres, km/h, epoch seconds (UTC). Conversion happens at the edges
(message parsing, the HTTP API).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, fields
from enum import StrEnum

__all__ = [
    "AlertType",
    "OFFICER_HELP",
    "Severity",
    "Kind",
    "Ping",
    "Read",
    "Alert",
    "ALERT_FIELDS",
    "ParseError",
    "make_alert_id",
    "fmt_ts",
]

_sha1 = hashlib.sha1


class AlertType(StrEnum):
    """The eight alert types of contract section 4."""

    ZONE_EXIT = "zone_exit"
    RESTRICTED_ENTRY = "restricted_entry"
    OVERSPEED = "overspeed"
    NIGHT_BAN = "night_ban"
    FATIGUE = "fatigue"
    WATCHLIST_HIT = "watchlist_hit"
    CLONED_PLATE = "cloned_plate"
    UNIT_OFFLINE = "unit_offline"


OFFICER_HELP = "officer_help"
"""The alert a unit raises with its emergency button (contract A.7.3); no worker rule makes it,
so it is not one of ``AlertType`` (the rules' types)."""


class Severity(StrEnum):
    """Four-color warning levels, most urgent first."""

    RED = "red"
    ORANGE = "orange"
    YELLOW = "yellow"
    BLUE = "blue"


class Kind(StrEnum):
    """What a subject is, as the city pack knows it."""

    UNIT = "unit"  # a patrol unit of units.json
    VEHICLE = "vehicle"  # a monitored vehicle of vehicles.json
    OTHER = "other"  # any other plate or device id


class ParseError(ValueError):
    """A message that cannot be understood; ``field`` names the offending field."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(f"{field_name}: {message}")
        self.field = field_name


@dataclass(slots=True)
class Ping:
    """One GPS fix (contract ``type=gps``) plus what the enrichers add."""

    subject: str
    lat: float
    lon: float
    ts: float
    speed: float | None = None  # km/h as sent; None when the device sent none
    heading: float | None = None
    accuracy: float | None = None
    entry_id: str = ""
    stream: str = ""
    # --- set by enrichers ---------------------------------------------------
    kind: Kind = Kind.OTHER
    category: str | None = None  # vehicle category, None for units and unknown plates
    zones: frozenset[str] = field(default_factory=frozenset)  # ids of zones containing the fix
    speed_limit: float = 0.0  # km/h in force at the fix
    speed_kmh: float = 0.0  # sent speed, else derived from the previous fix
    local_minute: int = 0  # minutes since local midnight (city timezone)
    local_date: str = ""  # local calendar date, YYYY-MM-DD


@dataclass(slots=True)
class Read:
    """One checkpoint plate read (contract ``type=anpr``)."""

    checkpoint: str
    plate: str
    ts: float
    confidence: float | None = None
    lane: str | None = None
    entry_id: str = ""
    stream: str = ""

    @property
    def subject(self) -> str:
        return self.plate


@dataclass(frozen=True, slots=True, init=False)
class Alert:
    """One alert of contract section 4."""

    alert_id: str
    type: AlertType
    severity: Severity
    subject: str
    lat: float
    lon: float
    ts: float
    zone: str = ""
    checkpoint: str = ""
    text: str = ""

    def __init__(self, alert_id: str, type: AlertType, severity: Severity, subject: str, lat: float, lon: float,
                 ts: float, zone: str = "", checkpoint: str = "", text: str = "") -> None:
        # the generated __init__ of a frozen dataclass, at half its cost: each slot's own setter (the
        # instance stays frozen: assigning an attribute still raises FrozenInstanceError)
        _SET_ALERT_ID(self, alert_id)
        _SET_TYPE(self, type)
        _SET_SEVERITY(self, severity)
        _SET_SUBJECT(self, subject)
        _SET_LAT(self, lat)
        _SET_LON(self, lon)
        _SET_TS(self, ts)
        _SET_ZONE(self, zone)
        _SET_CHECKPOINT(self, checkpoint)
        _SET_TEXT(self, text)

    def to_fields(self) -> dict[str, str]:
        """The flat string fields written to ``cc:alerts``."""
        return dict(zip(ALERT_FIELDS, self.field_values(), strict=True))

    def field_values(self) -> list[str]:
        """The values of ``to_fields``, in the order of ``ALERT_FIELDS`` (without building the dict)."""
        ts = self.ts
        return [self.alert_id, str(self.type), str(self.severity), self.subject, f"{self.lat:.6f}", f"{self.lon:.6f}",
                str(int(ts)) if float(ts).is_integer() else f"{ts:.3f}",  # fmt_ts, inline
                self.zone, self.checkpoint, self.text]


ALERT_FIELDS = ("alert_id", "type", "severity", "subject", "lat", "lon", "ts", "zone", "checkpoint", "text")
"""The names of an alert's fields in ``cc:alerts``, in order."""

(_SET_ALERT_ID, _SET_TYPE, _SET_SEVERITY, _SET_SUBJECT, _SET_LAT, _SET_LON, _SET_TS, _SET_ZONE, _SET_CHECKPOINT,
 _SET_TEXT) = (Alert.__dict__[f.name].__set__ for f in fields(Alert))


def fmt_ts(ts: float) -> str:
    """Epoch seconds as text: an integer when whole, else milliseconds."""
    return str(int(ts)) if float(ts).is_integer() else f"{ts:.3f}"


def make_alert_id(type_: str, subject: str, ts: float, extra: str = "") -> str:
    """A deterministic alert id: the same input always gives the same id.

    Built from what caused the alert (type, subject, event time, and e.g. the zone or
    checkpoint), never from wall-clock time or a counter, so a redelivered or replayed
    message produces the identical id.

    >>> make_alert_id(AlertType.OVERSPEED, "B12345", 1700000000) == make_alert_id(
    ...     AlertType.OVERSPEED, "B12345", 1700000000.0)
    True
    """
    name = str(type_)  # an AlertType's value (formatting the enum itself is slower)
    ts = float(ts)
    when = str(int(ts)) if ts.is_integer() else f"{ts:.3f}"  # fmt_ts, inline: an id per alert
    return f"{name}-{_sha1(f'{name}|{subject}|{when}|{extra}'.encode()).hexdigest()[:16]}"
