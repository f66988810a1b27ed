/* The Replay tab's map: it is built while its tab is hidden (no size), so once the tab is shown it
   takes its real size and frames the city (the bounds the layout put on its wrapper). */
(function () {
  "use strict";
  function frame(map) {
    var wrap = map.getContainer().closest(".om-rp-map-wrap");
    var raw = wrap && wrap.getAttribute("data-bounds");
    var framed = false;
    if (!window.ResizeObserver) return;
    new ResizeObserver(function () {
      map.invalidateSize({pan: false});
      var size = map.getSize();
      if (!framed && raw && size.x > 50 && size.y > 50) {
        framed = true;
        map.fitBounds(JSON.parse(raw), {padding: [16, 16], animate: false});
      }
    }).observe(map.getContainer());
  }
  function hook() {
    var L = window.L;
    if (!L || !L.Map) { setTimeout(hook, 50); return; }
    if (L.Map.__omReplayHook) return;
    L.Map.__omReplayHook = true;
    L.Map.addInitHook(function () {
      var m = this;
      setTimeout(function () { if (m._container && m._container.id === "om-rp-map") frame(m); }, 0);
    });
  }
  hook();
})();
