/* OneMap: functions dash-leaflet calls for the static layers (zones, restricted zones).
 * Referenced from Python as {"variable": "onemap.map.<name>"}; colors live in onemap.css too. */
(function () {
  "use strict";
  var OM = (window.onemap = window.onemap || {});
  var COLORS = {red: "#ff3b3b", orange: "#ff9500", yellow: "#ffd60a", blue: "#2f8cff", "": "#5f7d9c"};
  OM.COLORS = COLORS;

  function esc(s) {
    return String(s == null ? "" : s).replace(/[&<>"']/g, function (c) {
      return {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[c];
    });
  }
  OM.esc = esc;
  /* Both languages; CSS on the root shows the active one. */
  OM.bi = function (zh, en) {
    return '<span class="i18n-zh">' + esc(zh) + '</span><span class="i18n-en">' + esc(en) + "</span>";
  };

  /* A hatch pattern for restricted zones, defined once in an inline SVG of the page. */
  function ensureHatch() {
    if (document.getElementById("om-hatch")) return;
    var div = document.createElement("div");
    div.style.cssText = "position:absolute;width:0;height:0;overflow:hidden";
    div.innerHTML = '<svg xmlns="http://www.w3.org/2000/svg" width="0" height="0"><defs>' +
      '<pattern id="om-hatch" width="9" height="9" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">' +
      '<rect width="9" height="9" fill="rgba(255,59,90,0.07)"/>' +
      '<line x1="0" y1="0" x2="0" y2="9" stroke="#ff3b5a" stroke-width="3" stroke-opacity="0.55"/></pattern>' +
      "</defs></svg>";
    (document.body || document.documentElement).appendChild(div);
  }

  OM.map = {
    zoneStyle: function (feature, context) {
      var status = ((context && context.hideout && context.hideout.status) || {})[feature.properties.id] || "";
      var color = COLORS[status] || COLORS[""];
      return {color: color, weight: status ? 3 : 1.5, opacity: status ? 0.95 : 0.6, fillColor: color,
              fillOpacity: status ? 0.16 : 0.04, dashArray: status ? null : "4 4",
              className: "om-zone om-zone-" + (status || "none")};
    },
    zoneLabel: function (feature, layer) {
      var p = feature.properties;
      layer.bindTooltip('<b class="om-zid">' + esc(p.id) + "</b> " + OM.bi(p.zh, p.en),
                        {permanent: true, direction: "center", className: "om-zone-label", opacity: 1});
    },
    restrictedStyle: function () {
      ensureHatch();
      return {color: "#ff3b5a", weight: 1.5, opacity: 0.9, dashArray: "6 4", fillColor: "url(#om-hatch)",
              fillOpacity: 1, className: "om-restricted"};
    },
    restrictedTip: function (feature, layer) {
      var p = feature.properties;
      var forbid = (p.forbid || []).join(", ");
      var hours = p.hours || "24h";
      /* permanent: the vehicle canvas above the zones takes the pointer, so a hover tooltip would never open */
      layer.bindTooltip("<b>" + OM.bi(p.zh, p.en) + "</b><br>" + OM.bi("禁行 ", "No ") + esc(forbid) +
                        " · " + esc(hours), {permanent: true, direction: "center", className: "om-restricted-label",
                                               opacity: 1});
    }
  };
})();
