"""The served CJK web font: its files, its faces, and that they cover every character the screens use."""

from __future__ import annotations

import re
from pathlib import Path

from tests.web.test_alertline import SAMPLES, demo_names
from web.i18n import TEXT
from web.views.alertline import alert_line

ROOT = Path(__file__).resolve().parents[2]
ASSETS = ROOT / "assets"
FACE = re.compile(r"@font-face\s*{(.*?)}", re.S)
MAX_BYTES = 3_000_000  # what the repository carries for fonts


def _faces() -> list[dict[str, str]]:
    css = (ASSETS / "onemap_fonts.css").read_text(encoding="utf-8")
    faces = []
    for body in FACE.findall(css):
        faces.append({k.strip(): v.strip() for k, v in (d.split(":", 1) for d in body.split(";") if ":" in d)})
    return faces


def _ranges(value: str) -> list[tuple[int, int]]:
    out = []
    for part in value.split(","):
        lo, _, hi = part.strip().removeprefix("U+").partition("-")
        out.append((int(lo, 16), int(hi or lo, 16)))
    return out


def _screen_text() -> str:
    """Every character the screens can show: labels, scripts, layouts, the demo pack, alert lines."""
    parts = [zh + en for zh, en in TEXT.values()]
    for pattern in ("assets/*.js", "assets/*.css", "layouts/*.py", "callbacks/*.py", "web/**/*.py",
                    "data/demo_city/*.json*"):
        parts += [p.read_text(encoding="utf-8") for p in sorted(ROOT.glob(pattern))]
    parts.append((ROOT / "data/demo_city/zones.geojson").read_text(encoding="utf-8"))
    parts.append((ROOT / "data/demo_city/checkpoints.geojson").read_text(encoding="utf-8"))
    names = demo_names()
    parts += [alert_line(a, names, lang) for a, _, _ in SAMPLES for lang in ("zh", "en")]
    return "".join(parts)


def test_faces_are_noto_sans_sc_400_and_700_served_from_assets() -> None:
    faces = _faces()
    assert {f["font-family"] for f in faces} == {'"Noto Sans SC"'}
    assert {f["font-weight"] for f in faces} == {"400", "700"}
    total = 0
    for f in faces:
        url = re.fullmatch(r'url\((fonts/[\w.-]+\.woff2)\) format\("woff2"\)', f["src"])
        assert url, f["src"]  # relative to /assets/: never another host
        path = ASSETS / url.group(1)
        assert path.read_bytes()[:4] == b"wOF2"
        total += path.stat().st_size
        assert f["unicode-range"]
    assert 2_000_000 < total < MAX_BYTES
    assert (ASSETS / "fonts" / "OFL.txt").read_text(encoding="utf-8").count("SIL Open Font License") >= 1
    assert "@fontsource/noto-sans-sc" in (ASSETS / "fonts" / "README.md").read_text(encoding="utf-8")


def test_the_page_font_stack_starts_with_the_served_font() -> None:
    css = (ASSETS / "onemap.css").read_text(encoding="utf-8")
    stack = re.search(r"--font:\s*([^;]+);", css)
    assert stack and stack.group(1).startswith('"Noto Sans SC",')


def test_every_character_the_screens_use_is_in_a_face_of_each_weight() -> None:
    used = {c for c in _screen_text() if c.isprintable() and not c.isspace() or c == " "}
    assert "粤" in used and "◎" in used
    for weight in ("400", "700"):
        ranges = [r for f in _faces() if f["font-weight"] == weight for r in _ranges(f["unicode-range"])]
        missing = sorted(c for c in used if not any(lo <= ord(c) <= hi for lo, hi in ranges))
        assert missing == [], f"weight {weight}: no face for {''.join(missing)!r}"
