/* OneMap Dispatch tab in the page: the `dispatch` pushes of web/dispatcher.py (orders, answers,
 * escalations, auto-dispatches) refresh the tab (one counter, om-dp-seen, only while the tab is
 * open) and escalations and auto-dispatches are told in the tab's notice list (role="alert");
 * the tab's map is kept sized when its pane is shown (Leaflet does not watch its container). */
(function () {
  "use strict";
  var OM = (window.onemap = window.onemap || {});
  var dc = (window.dash_clientside = window.dash_clientside || {});
  var NOTICES_MAX = 6, seen = 0, notices = [];
  OM.maps = OM.maps || {};

  function open() { var b = document.getElementById("om-dp-board"); return !!(b && b.offsetParent !== null); }
  function bump() { if (dc.set_props && open()) setTimeout(function () { dc.set_props("om-dp-seen", {data: ++seen}); }, 0); }

  function typeName(t) { return (OM.TYPES && OM.TYPES[t]) || [t, t]; }

  function notice(d) {
    var when = OM.fmtTime ? OM.fmtTime(OM.store && OM.store.clock) : "";
    var who = String(d.callsign || d.unit || ""), line;
    if (d.kind === "escalate") {
      line = OM.bi(who + " 未在 " + d.after_s + " 秒内接警：已升级，请改派",
                   who + " did not accept in " + d.after_s + " s: ESCALATED, offer the next unit");
    } else {
      var t = typeName(d.type);
      line = OM.bi("已自动派遣 " + who + "（" + t[0] + "）", "Auto-dispatched " + who + " (" + t[1] + ")");
    }
    notices.unshift('<div class="om-dp-note om-dp-note-' + OM.esc(d.kind) + '" data-order="' + OM.esc(d.order_id) +
                    '"><b>' + OM.esc(when) + "</b> " + line + "</div>");
    notices = notices.slice(0, NOTICES_MAX);
    var el = document.getElementById("om-dp-notice");
    if (el) el.innerHTML = notices.join("");
  }

  function onDispatch(d) {
    if (d && (d.kind === "escalate" || d.kind === "auto")) notice(d);
    bump();
  }

  function listen() {
    if (!OM.socket) { setTimeout(listen, 100); return; }
    OM.socket.on("dispatch", function (d) { try { onDispatch(d); } catch (e) { console.warn("onemap dispatch", e); } });
    OM.socket.on("alerts", bump); // a new alert joins the queue
  }
  listen();

  function watch(map) {
    if (!window.ResizeObserver) return;
    new ResizeObserver(function () { map.invalidateSize({pan: false}); }).observe(map.getContainer());
  }
  function hook() {
    var L = window.L;
    if (!L || !L.Map) { setTimeout(hook, 50); return; }
    if (L.Map.__omDispatchHook) return;
    L.Map.__omDispatchHook = true;
    L.Map.addInitHook(function () {
      var m = this;
      setTimeout(function () {
        var id = m._container && m._container.id;
        if (!id) return;
        OM.maps[id] = m; // every map of the page by its id (the browser tests measure through it)
        if (id === "om-dp-map") watch(m);
      }, 0);
    });
  }
  hook();
})();
