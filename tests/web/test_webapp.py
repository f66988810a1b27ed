"""The assembled web app: offline assets, the roads route, the page layout, blueprints."""

from __future__ import annotations

import re
from pathlib import Path

import flask
import orjson
import pytest

from app import create_app
from city.citypack import load_city_pack
from core.settings import DEMO_CITY, Settings
from layouts.shell import create_shell
from layouts.wall import create_wall
from tests.web.signin import sign_in
from web.cityview import CityView

MINI = Path(__file__).resolve().parent.parent / "fixtures" / "mini_city"


@pytest.fixture()
def demo_app(redis_url: str) -> flask.Flask:
    settings = Settings(redis_url=redis_url, city_pack=DEMO_CITY, demo=False)
    bp = flask.Blueprint("probe", __name__)
    bp.add_url_rule("/probe", "probe", lambda: "ok")
    app, _ = create_app(settings, redis_url, blueprints=(bp,), start_bridge=False)
    return app.server


def test_every_script_and_stylesheet_is_served_by_the_app(demo_app: flask.Flask) -> None:
    client = demo_app.test_client()
    sign_in(client, "officer")
    page = client.get("/").get_data(as_text=True)
    urls = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert urls and all(u.startswith("/") and not u.startswith("//") for u in urls), urls
    for url in urls:
        with client.get(url) as resp:
            assert resp.status_code == 200, url
    assert "googleapis" not in page and "cdn" not in page.lower()


def test_roads_route_and_blueprint(demo_app: flask.Flask) -> None:
    client = demo_app.test_client()
    sign_in(client, "officer")
    roads = orjson.loads(client.get("/onemap/roads.json").get_data())
    assert roads["type"] == "FeatureCollection" and len(roads["features"]) > 1000
    assert client.get("/probe").get_data(as_text=True) == "ok"


def test_no_tile_layer_without_tile_url_and_one_on_each_map_with_it() -> None:
    city = load_city_pack(MINI)
    for tile_url, per_map in (("", 0), ("/tiles/{z}/{x}/{y}.png", 1)):
        view = CityView.build(city, tile_url)
        for page in (create_shell(view), create_wall(view)):
            maps = str(page).count("MapContainer(")
            assert maps >= 1 and str(page).count("TileLayer(") == per_map * maps


def test_a_shared_message_queue_makes_the_bridge_elect_a_leader(redis_url: str) -> None:
    settings = Settings(redis_url=redis_url, city_pack=MINI, demo=False, message_queue=True)
    _, socketio = create_app(settings, redis_url, start_bridge=False)
    assert socketio.server.manager.__class__.__name__ == "RedisManager"


def test_unknown_paths_are_404_and_known_pages_are_served(demo_app: flask.Flask) -> None:
    client = demo_app.test_client()
    sign_in(client, "officer")
    for path in ("/", "/wall", "/wall/"):
        resp = client.get(path)
        assert resp.status_code == 200 and "<script" in resp.get_data(as_text=True), path
    for path in ("/replay", "/wall/extra", "/favicon.png"):
        resp = client.get(path)
        assert resp.status_code == 404, path
        assert "no such page" in resp.get_data(as_text=True)
    for served in ("/_dash-layout", "/assets/onemap.css", "/onemap/roads.json"):
        with client.get(served) as resp:
            assert resp.status_code == 200, served


def test_every_screen_says_demo_while_the_demo_feeds_the_system() -> None:
    from layouts.shell import create_root
    from web import ids

    view = CityView.build(load_city_pack(MINI), "")
    assert ids.DEMO_MARK not in str(create_root(view))
    marked = str(create_root(view, demo_feed="recording"))
    assert ids.DEMO_MARK in marked and "'DEMO '" in marked and "recording" in marked
