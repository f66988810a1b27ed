/* The Coverage tab's map: each cell carries its own style (web/views/coverage.py cells_geojson), and
 * the map, made while its tab was hidden, is sized and fitted to the zones once it can be seen.
 * Referenced from Python as {"variable": "onemap.coverage.<name>"}. */
(function () {
  "use strict";
  var OM = (window.onemap = window.onemap || {});
  OM.coverage = {
    cellStyle: function (feature) {
      return feature.properties.style;
    },
    cellTip: function (feature, layer) {
      layer.bindTooltip(String(feature.properties.tip), { sticky: true });
    },
  };

  function isZone(layer) {
    return layer.getBounds && layer.options && String(layer.options.className || "").indexOf("om-cov-zone") >= 0;
  }
  function fit(m) {
    var c = m.getContainer();
    if (m.__omCovFitted || !c.clientWidth || !c.clientHeight) return;
    var bounds = null;
    m.eachLayer(function (layer) {
      if (!isZone(layer)) return;
      if (bounds) bounds.extend(layer.getBounds());
      else bounds = window.L.latLngBounds(layer.getBounds().getSouthWest(), layer.getBounds().getNorthEast());
    });
    if (!bounds) return;
    m.invalidateSize({ pan: false });
    m.fitBounds(bounds, { padding: [16, 16] });
    m.__omCovFitted = true;
  }
  function watch(m) {
    if (window.ResizeObserver) {
      new ResizeObserver(function () { m.invalidateSize({ pan: false }); fit(m); }).observe(m.getContainer());
    }
    m.on("layeradd", function (e) { if (isZone(e.layer)) setTimeout(function () { fit(m); }, 0); });
  }
  function hook() {
    var L = window.L;
    if (!L || !L.Map) { setTimeout(hook, 50); return; }
    if (L.Map.__omCoverageHook) return;
    L.Map.__omCoverageHook = true;
    L.Map.addInitHook(function () {
      var m = this;
      setTimeout(function () {
        if (m._container && m._container.id === "om-cov-map") watch(m);
      }, 0);
    });
  }
  hook();
})();
