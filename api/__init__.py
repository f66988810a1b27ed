"""OneMap's HTTP API (contract section 6): the blueprint and the OsmAnd listener.

``create_api(settings, redis_client, city)`` gives the Flask blueprint to register on the web
app; ``serve_osmand(settings, redis_client, city)`` serves the OsmAnd protocol at ``/`` on
``settings.osmand_port`` (default 5055).
"""

from __future__ import annotations

from api.osmand_server import create_osmand_app, serve_osmand
from api.routes import create_api

__all__ = ["create_api", "create_osmand_app", "serve_osmand"]
