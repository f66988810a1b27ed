/* The unit terminal's small map: an inline SVG of the route the server sent with the order
 * (web/unitmap.py projects it: points in pixels, north up), the unit's point and the target's.
 * No tiles and no library: it works offline and weighs nothing. Dash loads every asset on its own
 * pages too: this file does nothing unless the page is the terminal (#om-unit). */
(function () {
  "use strict";
  if (!document.getElementById("om-unit")) { return; }
  var NS = "http://www.w3.org/2000/svg";

  function svg(tag, attrs) {
    var e = document.createElementNS(NS, tag);
    Object.keys(attrs).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    return e;
  }

  function label(x, y, text, width) {
    var t = svg("text", {x: x + 10, y: y + 4});
    if (x + 10 + text.length * 8 > width) { t.setAttribute("x", x - 10); t.setAttribute("text-anchor", "end"); }
    t.textContent = text;
    return t;
  }

  function distance(m, words) {
    return (m / 1000).toFixed(m < 10000 ? 1 : 0) + " " + words.km;
  }

  /* The map of one order (m: {width, height, points, unit, target, distance_m}) and the line
   * under it: the route's length, or that the unit's own position is not known. */
  function draw(m, words) {
    var box = svg("svg", {viewBox: "0 0 " + m.width + " " + m.height, "class": "om-unit-map", role: "img",
                          "aria-label": words.map});
    if (m.points.length > 1) {
      box.appendChild(svg("polyline", {"class": "om-unit-route",
                                      points: m.points.map(function (p) { return p[0] + "," + p[1]; }).join(" ")}));
    }
    if (m.unit) {
      box.appendChild(svg("circle", {"class": "om-unit-me", cx: m.unit[0], cy: m.unit[1], r: 7}));
      box.appendChild(label(m.unit[0], m.unit[1], words.you, m.width));
    }
    box.appendChild(svg("circle", {"class": "om-unit-target", cx: m.target[0], cy: m.target[1], r: 9}));
    box.appendChild(label(m.target[0], m.target[1], words.target, m.width));
    var line = document.createElement("p");
    line.className = "om-unit-dist";
    line.textContent = m.unit ? words.route + ": " + distance(m.distance_m, words) : words.no_fix;
    var frag = document.createDocumentFragment();
    frag.appendChild(box);
    frag.appendChild(line);
    return frag;
  }

  window.OMUnitMap = {draw: draw};
})();
