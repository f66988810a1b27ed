"""Alert lines in the chosen language, made from the alert's fields and the city pack's names."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from city.citypack import CityPack, load_city_pack
from web.views.alertline import LINE_TYPES, alert_line, line_names

DEMO = Path(__file__).resolve().parents[2] / "data" / "demo_city"
HAN = re.compile(r"[\u3000-\u9fff\uff00-\uffef]")
LATIN = re.compile(r"[A-Za-z]")


def _a(type_: str, subject: str, zone: str = "", checkpoint: str = "", severity: str = "orange") -> dict[str, Any]:
    return {"alert_id": f"{type_}-x", "type": type_, "severity": severity, "subject": subject, "zone": zone,
            "checkpoint": checkpoint, "lat": 22.54, "lon": 114.02, "ts": 1_700_000_000, "text": "stored text"}


# (alert, Chinese line, English line) on the demo city; the browser test feeds the same alerts to
# onemap.alertText and expects the same strings
SAMPLES: list[tuple[dict[str, Any], str, str]] = [
    (_a("watchlist_hit", "粤BM6375", checkpoint="K01", severity="red"),
     "粤BM6375 在 侨香路 卡口 K01 命中布控（被盗车辆）", "粤BM6375 on the watchlist at Checkpoint K01 (Stolen vehicle)"),
    (_a("zone_exit", "P01", zone="Z01", severity="yellow"),
     "福田01 驶出责任巡区 侨香片区", "Futian-01 left its patrol zone Qiaoxiang"),
    (_a("restricted_entry", "粤BH2001", zone="R01", severity="red"),
     "粤BH2001 闯入禁区 香蜜湖水源保护区", "粤BH2001 entered restricted zone Xiangmi Lake Water Source Area"),
    (_a("overspeed", "粤BC1001", zone="Z03", severity="yellow"),
     "粤BC1001 在 香蜜湖片区 超速", "粤BC1001 speeding in Xiangmihu"),
    (_a("overspeed", "粤BC1001"), "粤BC1001 超速", "粤BC1001 speeding"),
    (_a("night_ban", "粤BC1002", zone="Z09"),
     "粤BC1002 夜间禁行时段上路（红树林片区）", "粤BC1002 on the road during the night ban in Mangrove Coast"),
    (_a("fatigue", "粤BC1003", zone="Z04"),
     "粤BC1003 疲劳驾驶，超时未休息（香梅-景田片区）", "粤BC1003 driving too long without a rest in Xiangmei-Jingtian"),
    (_a("cloned_plate", "粤BT3001", checkpoint="K02", severity="red"),
     "粤BT3001 疑似套牌：在 农林路×润田路 执法站 K02 过车，与另一卡口读数时空矛盾",
     "粤BT3001: possible cloned plate, read at Enforcement Station K02 too soon after another checkpoint"),
    (_a("unit_offline", "P05", zone="Z05", severity="blue"), "福田05 离线，无定位回传", "Futian-05 offline: no position reports"),
    (_a("officer_help", "P02", zone="Z02", severity="red"),
     "福田02 请求紧急支援（农园片区）", "Futian-02 calls for help in Nongyuan"),
    # ids the pack does not know, missing fields, a subject with spaces around it
    (_a("watchlist_hit", " 粤B00000 ", checkpoint="K99"), "粤B00000 在 卡口 K99 命中布控", "粤B00000 on the watchlist at checkpoint K99"),
    (_a("restricted_entry", "粤B00001", zone="R99"), "粤B00001 闯入禁区 R99", "粤B00001 entered restricted zone R99"),
    (_a("zone_exit", "P77"), "P77 驶出责任巡区", "P77 left its patrol zone"),
    (_a("cloned_plate", "粤B00002"), "粤B00002 疑似套牌", "粤B00002: possible cloned plate"),
    (_a("fatigue", "粤B00003"), "粤B00003 疲劳驾驶，超时未休息", "粤B00003 driving too long without a rest"),
    (_a("watchlist_hit", "粤B00004"), "粤B00004 命中布控", "粤B00004 on the watchlist"),
    ({"type": "something_new", "subject": "X1"}, "X1 something_new", "X1 something_new"),
]


@pytest.fixture(scope="module")
def demo() -> CityPack:
    return load_city_pack(DEMO)


def demo_names() -> dict[str, Any]:
    return line_names(load_city_pack(DEMO))


@pytest.mark.parametrize(("alert", "zh", "en"), SAMPLES, ids=[f"{a['type']}-{i}" for i, (a, _, _) in enumerate(SAMPLES)])
def test_line_in_each_language(demo: CityPack, alert: dict[str, Any], zh: str, en: str) -> None:
    names = line_names(demo)
    assert alert_line(alert, names, "zh") == zh
    assert alert_line(alert, names, "en") == en
    assert alert_line(alert, names, "fr") == zh  # anything but "en" is Chinese, the default


def test_every_type_has_a_line_of_its_own_in_both_languages(demo: CityPack) -> None:
    names = line_names(demo)
    contract = {"zone_exit", "restricted_entry", "overspeed", "night_ban", "fatigue", "watchlist_hit",
                "cloned_plate", "unit_offline", "officer_help"}
    assert set(LINE_TYPES) == contract
    assert contract <= {a["type"] for a, _, _ in SAMPLES}
    for type_ in LINE_TYPES:
        alert = _a(type_, "粤BM6375", zone="Z01", checkpoint="K01")
        zh, en = alert_line(alert, names, "zh"), alert_line(alert, names, "en")
        assert zh != en and type_ not in zh and type_ not in en


def test_chinese_lines_have_no_english_template_words_and_english_lines_no_chinese_ones(demo: CityPack) -> None:
    names = line_names(demo)
    for alert, zh, en in SAMPLES[:10]:  # the pack knows every name in these
        subject = alert["subject"]
        parts = [subject] + [p for kind, key in (("units", subject), ("zones", alert["zone"]),
                                                ("checkpoints", alert["checkpoint"]), ("reasons", subject))
                             for p in [names[kind].get(key)] if p]
        zh_rest, en_rest = zh, en
        for p in parts:
            zh_rest = zh_rest.replace(p[0] if isinstance(p, list) else p, "")
            en_rest = en_rest.replace(p[1] if isinstance(p, list) else p, "")
        assert not LATIN.search(zh_rest), (zh, zh_rest)
        assert not HAN.search(en_rest), (en, en_rest)
        assert HAN.search(zh_rest) and LATIN.search(en_rest)  # each has words of its own


def test_the_stored_text_is_left_alone(demo: CityPack) -> None:
    alert = _a("watchlist_hit", "粤BM6375", checkpoint="K01")
    before = dict(alert)
    alert_line(alert, line_names(demo), "en")
    assert alert == before and "stored text" not in alert_line(alert, line_names(demo), "en")


def test_names_of_the_demo_pack_are_split_into_chinese_and_english(demo: CityPack) -> None:
    names = line_names(demo)
    assert names["zones"]["Z01"] == ["侨香片区", "Qiaoxiang"]
    assert names["units"]["P01"] == ["福田01", "Futian-01"]
    assert names["checkpoints"]["K02"] == ["农林路×润田路 执法站 K02", "Enforcement Station K02"]
    assert names["reasons"]["粤BM6375"] == ["被盗车辆", "Stolen vehicle"]
