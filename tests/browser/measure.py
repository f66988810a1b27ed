"""What the browser tests measure on a live map, as JavaScript run in the page.

Every map of the page is reached through ``window.onemap.views[mapId].map`` (the Leaflet map the
live view draws on). Positions are in pixels relative to the map container.
"""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Page

# For every DOM marker (unit, checkpoint, alert) and every permanent label tooltip (patrol zone,
# restricted zone): where its reference point is drawn (the element's box + the icon anchor; the
# box center for a centered tooltip, less the step it took away from a neighbouring label) against
# where its lat/lon projects. For every vehicle badge
# on the canvas with no other badge near it: the alpha-weighted centroid of its pixels against its
# projected point.
MARKERS_JS = """async (mapId) => {
  await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
  const v = window.onemap.views[mapId], map = v.map, box = map.getContainer().getBoundingClientRect();
  const out = [];
  const put = (kind, id, x, y, ll) => {
    const p = map.latLngToContainerPoint(ll);
    out.push({kind: kind, id: String(id), dx: x - p.x, dy: y - p.y, x: p.x, y: p.y});
  };
  const marker = (kind) => (m, id) => {
    const el = m.getElement(), r = el.getBoundingClientRect(), a = L.point(m.options.icon.options.iconAnchor);
    put(kind, id, r.left - box.left + a.x, r.top - box.top + a.y, m.getLatLng());
  };
  v.units.forEach(marker("unit"));
  v.cpMarkers.forEach(marker("checkpoint"));
  v.alertMarkers.forEach(marker("alert"));
  map.eachLayer(layer => {
    const t = layer.getTooltip && layer.getTooltip();
    if (!t || !t.options.permanent || !t._container || !layer.feature) return;
    const r = t._container.getBoundingClientRect(), o = L.point(t.options.offset || [0, 0]);
    const kind = /om-zone-label/.test(t.options.className) ? "zone-label" : "restricted-label";
    // a label stepped aside from a neighbour (at most two of its heights) is measured at its step
    if (Math.abs(o.x) > 0 || Math.abs(o.y) > 2 * r.height + 4) { out.push({kind: kind, id: "moved too far", dx: o.x, dy: o.y}); return; }
    put(kind, layer.feature.properties.id, r.left - box.left + r.width / 2 - o.x, r.top - box.top + r.height / 2 - o.y,
        t.getLatLng());
  });
  const cv = v.canvasVehicles._container, ctx = v.canvasVehicles._ctx, cr = cv.getBoundingClientRect();
  const sx = cv.width / cr.width, sy = cv.height / cr.height;
  const badges = [];
  v.vehicles.forEach((m, id) => { if (m._omOn) badges.push([m, id]); });
  v.clusters.forEach((m, i) => badges.push([m, "cluster-" + i]));
  const pts = badges.map(b => map.latLngToContainerPoint(b[0].getLatLng()));
  const size = map.getSize();
  badges.forEach((b, i) => {
    const half = (b[0].options.size || 9) + 4, p = pts[i];
    if (p.x < half || p.y < half || p.x > size.x - half || p.y > size.y - half) return;
    if (pts.some((q, j) => j !== i && Math.abs(q.x - p.x) < 2 * half + 2 && Math.abs(q.y - p.y) < 2 * half + 2)) return;
    const x0 = Math.round((box.left + p.x - half - cr.left) * sx), y0 = Math.round((box.top + p.y - half - cr.top) * sy);
    const w = Math.round(2 * half * sx), h = Math.round(2 * half * sy);
    const data = ctx.getImageData(x0, y0, w, h).data;
    let sum = 0, cx = 0, cy = 0;
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
      const alpha = data[(y * w + x) * 4 + 3]; sum += alpha; cx += alpha * (x + 0.5); cy += alpha * (y + 0.5);
    }
    if (!sum) { out.push({kind: "vehicle", id: b[1], dx: 1e9, dy: 1e9, x: p.x, y: p.y}); return; }
    put("vehicle", b[1], (x0 + cx / sum) / sx + cr.left - box.left, (y0 + cy / sum) / sy + cr.top - box.top,
        b[0].getLatLng());
  });
  return out;
}"""

# Every label drawn on the map (patrol and restricted zone names, unit callsigns, checkpoint reads)
# that has text and lies in the map's box, with its box relative to the map container and whether
# it is hidden (visibility) at the moment.
LABELS_JS = """(mapId) => {
  const map = window.onemap.views[mapId].map, el = map.getContainer(), box = el.getBoundingClientRect();
  const sel = ".om-zone-label, .om-restricted-label, .om-unit-label, .om-cp-read";
  return Array.from(el.querySelectorAll(sel)).filter(n => {
    const s = getComputedStyle(n), r = n.getBoundingClientRect();
    return s.display !== "none" && r.width > 0 && r.height > 0 && n.textContent.trim() &&
      r.right > box.left && r.left < box.right && r.bottom > box.top && r.top < box.bottom;
  }).map(n => { const r = n.getBoundingClientRect();
    return {text: n.textContent.trim(), cls: n.className, hidden: getComputedStyle(n).visibility === "hidden",
            left: r.left - box.left, top: r.top - box.top, right: r.right - box.left, bottom: r.bottom - box.top}; });
}"""


def label_pass(page: Page, map_id: str, timeout: float = 15_000) -> None:
    """Wait until the map has laid out its labels for what it shows now (no pass pending)."""
    page.wait_for_function(f"""() => {{ const v = window.onemap.views['{map_id}'];
        return v.labelPasses > 0 && !v.labelsDirty && v.labelLang === window.onemap.lang(); }}""", timeout=timeout)


def markers(page: Page, map_id: str) -> list[dict[str, Any]]:
    """Drawn minus projected position of every marker and label of one map."""
    result: list[dict[str, Any]] = page.evaluate(MARKERS_JS, map_id)
    return result


def labels(page: Page, map_id: str) -> list[dict[str, Any]]:
    """The labels of one map with their boxes, shown and hidden."""
    result: list[dict[str, Any]] = page.evaluate(LABELS_JS, map_id)
    return result


def overlaps(boxes: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """Pairs of boxes that overlap by more than a pixel.

    >>> a = {"text": "a", "left": 0, "top": 0, "right": 10, "bottom": 10}
    >>> overlaps([a, {**a, "text": "b", "left": 5, "right": 15}, {**a, "text": "c", "left": 15, "right": 25}])
    [('a', 'b')]
    """
    out = []
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            w = min(a["right"], b["right"]) - max(a["left"], b["left"])
            h = min(a["bottom"], b["bottom"]) - max(a["top"], b["top"])
            if w > 1 and h > 1:
                out.append((a["text"], b["text"]))
    return out


# The Dispatch tab's map (a plain dash-leaflet map, reached through ``window.onemap.maps``): for each
# given unit, where its marker's reference point is drawn (box + icon anchor) against where the
# unit's lat/lon projects, and whether its line's drawn box holds both of its projected ends.
DISPATCH_JS = """async ([mapId, points]) => {
  await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
  const map = window.onemap.maps[mapId], box = map.getContainer().getBoundingClientRect();
  return points.map(pt => {
    const label = map.getContainer().querySelector(`.om-dp-label[data-unit="${pt.unit}"]`);
    const out = {unit: pt.unit, found: !!label};
    if (!label) return out;
    const el = label.closest(".om-dp-unit"), r = el.getBoundingClientRect(), p = map.latLngToContainerPoint([pt.lat, pt.lon]);
    out.dx = r.left - box.left + 8 - p.x; out.dy = r.top - box.top + 8 - p.y;
    out.label = label.textContent;
    const line = map.getContainer().querySelector(`path.om-dp-line-${pt.unit}`);
    if (line) {
      const b = line.getBoundingClientRect(), q = map.latLngToContainerPoint([pt.to_lat, pt.to_lon]);
      const inside = (x, y) => x >= b.left - box.left - 3 && x <= b.right - box.left + 3 && y >= b.top - box.top - 3 && y <= b.bottom - box.top + 3;
      out.line = inside(p.x, p.y) && inside(q.x, q.y);
      out.line_px = Math.hypot(q.x - p.x, q.y - p.y);
    }
    return out;
  });
}"""


def dispatch_markers(page: Page, map_id: str, points: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``points``: ``{unit, lat, lon, to_lat, to_lon}``; drawn minus projected position of each unit's
    marker, its label, and whether its line spans from the unit to where it would go."""
    result: list[dict[str, Any]] = page.evaluate(DISPATCH_JS, [map_id, points])
    return result


# Where the Replay map draws each given subject's dot against where its lat/lon projects (px).
REPLAY_DOTS_JS = """([mapId, points]) => {
  const map = window.onemap.maps[mapId], box = map.getContainer().getBoundingClientRect();
  return points.map(p => {
    const el = document.querySelector(`#${mapId} .om-rp-dot[data-subject="${p.subject}"]`);
    if (!el) return {subject: p.subject, found: false};
    const r = el.getBoundingClientRect(), q = map.latLngToContainerPoint([p.lat, p.lon]);
    return {subject: p.subject, found: true, dx: r.left - box.left + r.width / 2 - q.x,
            dy: r.top - box.top + r.height / 2 - q.y};
  });
}"""


# Every text on the page outside the maps and charts whose color against its background (the first
# opaque one among its ancestors, the text's alpha blended in) falls under WCAG AA: 4.5, or 3 for large
# text (24 px, or bold from 18.66 px). Dash DataTable's pagination sizes its input with a hidden
# ``current-page-shadow`` copy of the page number, which nobody sees.
CONTRAST_JS = r"""() => {
  const rgba = s => { const m = s.match(/rgba?\(([^)]+)\)/); if (!m) return null;
    const p = m[1].split(',').map(parseFloat); return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1]; };
  const lum = c => { const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]); };
  const background = el => { for (let n = el; n; n = n.parentElement) {
      const c = rgba(getComputedStyle(n).backgroundColor); if (c && c[3] > 0.5) return c; }
    return [255, 255, 255, 1]; };
  const shown = el => { for (let n = el; n; n = n.parentElement) { const s = getComputedStyle(n);
      if (s.display === 'none' || s.visibility === 'hidden' || parseFloat(s.opacity) === 0) return false; }
    return true; };
  const out = [];
  for (const el of document.querySelectorAll('body *')) {
    if (el.closest('.leaflet-container, .js-plotly-plot, .current-page-shadow')) continue;
    const own = Array.from(el.childNodes).filter(n => n.nodeType === 3).map(n => n.textContent.trim()).join(' ');
    const r = el.getBoundingClientRect();
    if (!own || r.width === 0 || r.height === 0 || r.bottom < 0 || r.top > innerHeight || !shown(el)) continue;
    const s = getComputedStyle(el), fg = rgba(s.color), bg = background(el);
    const mixed = [0, 1, 2].map(i => fg[i] * fg[3] + bg[i] * (1 - fg[3]));
    const a = lum(mixed), b = lum(bg), ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    const size = parseFloat(s.fontSize), large = size >= 24 || (parseInt(s.fontWeight) >= 700 && size >= 18.66);
    if (ratio < (large ? 3 : 4.5)) out.push({text: own.slice(0, 40), color: s.color, ratio: +ratio.toFixed(2)});
  }
  return out;
}"""


def low_contrast(page: Page) -> list[dict[str, Any]]:
    """The texts of the page a person cannot read well for their color (``CONTRAST_JS``)."""
    found: list[dict[str, Any]] = page.evaluate(CONTRAST_JS)
    return found
