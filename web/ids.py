"""Every component id of the web app, once: ``layouts/`` and ``callbacks/`` both import from here.

Repeated widgets get dict ids from the small factories at the bottom (for ``MATCH``/``ALL``
callbacks), never string concatenation.
"""

from __future__ import annotations

from typing import Any

from dash import ALL

# --- root (every page) -------------------------------------------------------------------
URL = "om-url"
ROOT = "om-root"
PAGE = "om-page"
LANG = "om-lang"  # dcc.Store: "zh" | "en", from the header switch or the wall's ?lang=
MAP_CONFIG = "om-map-config"  # dcc.Store: static city data for the clientside map
ALERTS_SEEN = "om-alerts-seen"  # dcc.Store: counter bumped when alerts or acknowledgements arrive

# --- shell (command center page) --------------------------------------------------------
HEADER = "om-header"
DEMO_BANNER = "om-demo-banner"  # the banner saying the demo accounts are on
DEMO_MARK = "om-demo-mark"  # "DEMO" on every screen while the demo feeds the system
USER_NAME = "om-user-name"  # the signed-in person, in the header
SIGN_OUT = "om-sign-out"  # the sign-out form (POST /logout)
TAB_SELECT = "om-tab-select"

# --- command map tab ----------------------------------------------------------------------
CMD_MAP = "om-cmd-map"
LAYERS = "om-layers"
SELECTED = "om-selected"  # dcc.Store: {"kind", "id", "n"} of what was clicked
DETAIL = "om-detail"
DETAIL_TICK = "om-detail-tick"
TRACK_LINE = "om-track-line"
FEED = "om-feed"  # live alert list, kept by assets/onemap_ui.js

# --- alerts tab ---------------------------------------------------------------------------
AL_TYPE = "om-al-type"
AL_SEVERITY = "om-al-severity"
AL_ZONE = "om-al-zone"
AL_WINDOW = "om-al-window"
AL_PLATE = "om-al-plate"
AL_STATUS = "om-al-status"
AL_TABLE = "om-al-table"
AL_COUNTS = "om-al-counts"
AL_CHART = "om-al-chart"
AL_EXPORT = "om-al-export"
AL_DOWNLOAD = "om-al-download"
AL_ACK_PICKED = "om-al-ack-picked"
AL_ACK_OFFICER = "om-al-ack-officer"
AL_ACK_NOTE = "om-al-ack-note"
AL_ACK_WHOLE = "om-al-ack-whole"  # dcc.Checklist: acknowledge the picked alert's whole incident
AL_ACK_BUTTON = "om-al-ack-button"
AL_ACK_MESSAGE = "om-al-ack-message"
AL_ACK_DONE = "om-al-ack-done"  # dcc.Store: bumped after a successful acknowledgement

# --- wall ---------------------------------------------------------------------------------
WALL_MAP = "om-wall-map"
WALL_TICKER = "om-wall-ticker"


# --- factories for repeated widgets --------------------------------------------------------
def tab_pane(key: Any) -> dict[str, Any]:
    """The content pane of tab ``key``."""
    return {"type": "om-tab-pane", "key": key}


def alert_links() -> dict[str, Any]:
    """Every alert link on the page (for an ``ALL`` callback)."""
    return {"type": "om-alert-link", "alert": ALL, "lat": ALL, "lon": ALL}


def alert_link(alert_id: str, lat: float | None, lon: float | None) -> dict[str, Any]:
    """An alert in a list: clicking it flies the map there (position carried in the id)."""
    return {"type": "om-alert-link", "alert": alert_id, "lat": "" if lat is None else f"{lat:.6f}",
            "lon": "" if lon is None else f"{lon:.6f}"}


def zones(map_id: Any) -> dict[str, Any]:
    """The patrol-zone layer of one map (its ``hideout`` carries the zone colors)."""
    return {"type": "om-zones", "map": map_id}


def sink(name: Any) -> dict[str, Any]:
    """A store that a clientside callback writes only because Dash needs an output."""
    return {"type": "om-sink", "name": name}


def lang_switch(where: Any = "header") -> dict[str, Any]:
    """The zh / en switch (pattern id: the wall has none)."""
    return {"type": "om-lang-switch", "where": where}


def link(where: Any) -> dict[str, Any]:
    """The socket connection state (live / reconnecting), kept by ``assets/onemap_ui.js``
    (it finds these by their class ``om-link``)."""
    return {"type": "om-link", "where": where}


# --- audit tab (supervisors only) -----------------------------------------------------------
AUD_WINDOW = "om-aud-window"
AUD_ACTOR = "om-aud-actor"
AUD_ACTION = "om-aud-action"
AUD_TEXT = "om-aud-text"
AUD_FLAG = "om-aud-flag"  # dcc.Dropdown: only entries named by flags of these kinds
AUD_REFRESH = "om-aud-refresh"
AUD_EXPORT = "om-aud-export"
AUD_DOWNLOAD = "om-aud-download"
AUD_SUMMARY = "om-aud-summary"  # the flags' count per kind (each a button that filters)
AUD_FLAG_LIST = "om-aud-flag-list"  # each flag of the shown entries, with its reason
AUD_SHOWN = "om-aud-shown"
AUD_TABLE = "om-aud-table"

# --- the Coverage tab (supervisors) ---
COV_SHIFT = "om-cov-shift"  # dcc.Dropdown: recent shifts (value "{t0}-{t1}")
COV_FROM = "om-cov-from"  # dcc.Input: a custom range's start, local "YYYY-MM-DD HH:MM"
COV_TO = "om-cov-to"
COV_SHOW = "om-cov-show"
COV_EXPORT = "om-cov-export"
COV_DOWNLOAD = "om-cov-download"
COV_RANGE = "om-cov-range"  # the range shown, in words
COV_MAP = "om-cov-map"
COV_ZONES = "om-cov-zones"  # dl.LayerGroup of the zones, coloured by coverage
COV_CELLS = "om-cov-cells"  # dl.GeoJSON: cells coloured by the time since their last visit
COV_GAPS_LAYER = "om-cov-gaps-layer"  # dl.LayerGroup: the gaps on the map
COV_ZONE_TABLE = "om-cov-zone-table"
COV_UNIT_TABLE = "om-cov-unit-table"
COV_GAPS = "om-cov-gaps"
COV_CHART = "om-cov-chart"


def audit_flag_chip(kind: Any) -> dict[str, Any]:
    """The count of one kind of flag on the Audit tab; a click filters the table to it."""
    return {"type": "om-aud-flag-chip", "kind": kind}
# --- dispatch tab (issue 8: the dispatch loop) -------------------------------------------
DP_QUEUE = "om-dp-queue"  # the tab's own list of open alerts
DP_PICKED = "om-dp-picked"  # dcc.Store: {"alert": alert id, "n": click time} of the picked alert
DP_ALERT = "om-dp-alert"  # the picked alert, in words
DP_CANDIDATES = "om-dp-candidates"
DP_REFRESH = "om-dp-refresh"  # "Refresh ranking": the candidates again, at the current event time
DP_MAP = "om-dp-map"
DP_LAYER = "om-dp-layer"  # the map's layer of the picked alert, its candidates and their lines
DP_MESSAGE = "om-dp-message"  # what the last click did (role="status")
DP_NOTICE = "om-dp-notice"  # escalations and auto-dispatches, kept by assets/onemap_dispatch.js
DP_BOARD = "om-dp-board"
DP_AUTO = "om-dp-auto"  # dcc.Checklist: the alert types auto-dispatch is on for
DP_AUTO_INFO = "om-dp-auto-info"
DP_TICK = "om-dp-tick"  # dcc.Interval: timers move with the event clock while the tab is open
DP_SEEN = "om-dp-seen"  # dcc.Store: bumped by assets/onemap_dispatch.js on every `dispatch` push
DP_DONE = "om-dp-done"  # dcc.Store: bumped after this page dispatched
DP_FROM_DETAIL = "om-dp-from-detail"  # "Dispatch" in an alert's detail panel on the command map
DP_FROM_TABLE = "om-dp-from-table"  # "Dispatch" beside the alerts table (its selected row)


# --- replay tab (issue 9: recording and replay) ------------------------------------------
RP_FILE = "om-rp-file"  # dcc.RadioItems: the recordings of CC_RECORDINGS_DIR
RP_PLAY = "om-rp-play"
RP_PAUSE = "om-rp-pause"
RP_SPEED = "om-rp-speed"  # dcc.RadioItems: 1, 10, 60, 0 (as fast as it can)
RP_CLOCK = "om-rp-clock"  # the playhead, local event time
RP_STATUS = "om-rp-status"  # what the sandbox holds (role="status")
RP_TIMELINE = "om-rp-timeline"  # dcc.Graph: the span, the alerts, the playhead; a click seeks
RP_MAP = "om-rp-map"
RP_MARKERS = "om-rp-markers"  # the map's layer of the replayed subjects at the playhead
RP_ALERTS = "om-rp-alerts"  # the replayed alerts up to the playhead, newest first
RP_TICK = "om-rp-tick"  # dcc.Interval: refreshes the tab while it is open
RP_DONE = "om-rp-done"  # dcc.Store: bumped after each control, so the tab refreshes at once


def dp_pick(alert_id: Any) -> dict[str, Any]:
    """An alert in the Dispatch tab's queue (``ALL`` for the callback)."""
    return {"type": "om-dp-pick", "alert": alert_id}


def dp_send(alert_id: Any, unit: Any, where: Any = "cand") -> dict[str, Any]:
    """A ``Dispatch {callsign}`` button: among the candidates (``cand``) or on the board (``board``:
    the next unit offered for an escalated order)."""
    return {"type": "om-dp-send", "alert": alert_id, "unit": unit, "where": where}

# Crime hotspots (the pack's incidents.jsonl by hour) on the Coverage and Replay maps
COV_SPAN = "om-cov-span"  # dcc.Store: [t0, t1] of the range shown
COV_HOT_TOGGLE = "om-cov-hot-toggle"  # dcc.Checklist: the hotspot layer on or off
COV_HOT_HOUR = "om-cov-hot-hour"  # dcc.Dropdown: "" the whole range, else a local hour's start (epoch s)
COV_HOT_LAYER = "om-cov-hot-layer"  # dl.LayerGroup: the incidents as hotspot dots
COV_HOT_LEGEND = "om-cov-hot-legend"
RP_HOUR = "om-rp-hour"  # dcc.Store: the playhead's local hour "YYYY-MM-DD HH"
RP_HOT_TOGGLE = "om-rp-hot-toggle"
RP_HOT_LAYER = "om-rp-hot-layer"
RP_HOT_LEGEND = "om-rp-hot-legend"
