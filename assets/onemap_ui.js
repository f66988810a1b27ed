/* OneMap clientside callbacks (thin: hand socket data to OM.live, return what Dash shows) and
 * the two DOM lists Dash does not own: the command screen's live alert feed and the wall ticker. */
(function () {
  "use strict";
  var OM = (window.onemap = window.onemap || {});
  var dc = (window.dash_clientside = window.dash_clientside || {});
  var STALL_MS = 30000;
  var FEED_MAX = 40, TICKER_MAX = 8;
  var HEALTH = {ok: ["正常", "OK"], partial: ["部分", "Partial"], down: ["离线", "Down"]};

  function nu() { return dc.no_update; }
  function outs(i) {
    var ctx = dc.callback_context, list = ctx && ctx.outputs_list;
    if (!list) return [];
    var o = Array.isArray(list[0]) ? list[i] : list;
    return Array.isArray(o) ? o : [o];
  }

  function liveValue(name, s) {
    var lang = OM.lang(), m;
    if (name === "clock") return [s.clock_text || "--", "om-live om-clock"];
    if (name === "health") {
      var h = s.health || {}, label = HEALTH[h.state] || ["?", "?"];
      return [(lang === "en" ? label[1] : label[0]) + " " + (h.workers || 0) + " · " + (h.covered || 0) + "/" + (h.partitions || 0),
              "om-live om-health om-health-" + (h.state || "down")];
    }
    if ((m = /^open-(\w+)$/.exec(name))) return [String((s.open || {})[m[1]] || 0), "om-live om-count om-sev-" + m[1]];
    if ((m = /^units-(\w+)$/.exec(name))) return [String((s.units || {})[m[1]] || 0), "om-live om-count om-unit-" + m[1]];
    if (name === "intercepts") return [String(s.intercepts || 0), "om-live om-count"];
    if (name === "vehicles") return [String(s.vehicles || 0) + " / " + String(s.vehicles_total || 0), "om-live om-count"];
    return ["", "om-live"];
  }

  dc.onemap = {
    config: function (cfg) { if (cfg) OM.live.config(cfg); return nu(); },
    positions: function (data) { if (data) OM.live.positions(data); return nu(); },
    tracks: function (data) { if (data) OM.live.tracks(data); return nu(); },
    acks: function (data) { if (data) OM.live.acks(data); return nu(); },
    /* -> [last alert id held, resync request or no_update, batches seen] */
    alerts: function (data, seen) {
      if (!data) return [nu(), nu(), nu()];
      var prev = OM.store.lastAlertId, res = OM.live.alerts(data);
      return [res.last, res.gap ? {after: prev, n: Date.now()} : nu(), (seen || 0) + 1];
    },
    /* -> [texts of every om-live element, their classes, the zone layers' hideout] */
    summary: function (s) {
      var a = outs(0), z = outs(2);
      if (!s) return [a.map(nu), a.map(nu), z.map(nu)];
      OM.live.summary(s);
      var vals = a.map(function (o) { return liveValue(o.id.name, s); });
      var hideout = {status: s.zones || {}};
      return [vals.map(function (v) { return v[0]; }), vals.map(function (v) { return v[1]; }),
              z.map(function () { return hideout; })];
    },
    /* -> [texts, classes] of the data-age elements, once a second */
    age: function () {
      var a = outs(0), last = OM.store.lastData, ms = last ? Date.now() - last : null;
      var stalled = ms == null || ms > STALL_MS, lang = OM.lang();
      var text = ms == null ? "--" : (Math.floor(ms / 1000) + (lang === "en" ? " s" : " 秒"));
      if (stalled && ms != null) text = (lang === "en" ? "STALLED " : "中断 ") + text;
      return [a.map(function () { return text; }), a.map(function () { return "om-age" + (stalled ? " om-stalled" : ""); })];
    },
    link: function (connected) {
      var a = outs(0), lang = OM.lang();
      var text = connected ? (lang === "en" ? "Live" : "实时") : (lang === "en" ? "Reconnecting" : "重连中");
      var cls = "om-link " + (connected ? "om-link-up" : "om-link-down");
      return [a.map(function () { return text; }), a.map(function () { return cls; })];
    },
    /* -> [language store, root class] from the header switch or ?lang= on the wall */
    lang: function (switches, search) {
      var m = /[?&]lang=(zh|en)/.exec(search || ""), lang = m ? m[1] : ((switches || [])[0] || "zh");
      if (lang !== "en") lang = "zh";
      setTimeout(function () { OM.refreshLists && OM.refreshLists(); }, 0);
      return [lang, "om-root lang-" + lang];
    },
    tabs: function (value) {
      var o = outs(0);
      setTimeout(function () { OM.live.invalidate(); }, 30);
      return o.map(function (x) { return x.id.key === value ? {} : {display: "none"}; });
    },
    layers: function (values) { OM.live.setLayers("om-cmd-map", values); return nu(); },
    /* a click on an alert in any list (pattern ids carry the position) */
    alertLink: function () {
      var ctx = dc.callback_context, t = ctx && ctx.triggered && ctx.triggered[0];
      if (!t || !t.value) return [nu(), nu()];
      var id = JSON.parse(t.prop_id.split(".")[0]);
      OM.flyToAlert(id.alert, parseFloat(id.lat), parseFloat(id.lon));
      return ["command", {kind: "alert", id: id.alert, n: Date.now()}];
    },
    /* a click on the "locate" cell of the alerts table */
    tableLocate: function (cell, rows) {
      if (!cell || cell.column_id !== "locate" || !rows) return [nu(), nu()];
      var row = null;
      for (var i = 0; i < rows.length; i++) if (rows[i].id === cell.row_id) row = rows[i];
      if (!row) return [nu(), nu()];
      OM.flyToAlert(row.id, parseFloat(row.lat), parseFloat(row.lon));
      return ["command", {kind: "alert", id: row.id, n: Date.now()}];
    }
  };

  OM.flyToAlert = function (id, lat, lon) {
    setTimeout(function () { OM.live.invalidate(); OM.live.flyTo("om-cmd-map", lat, lon, 17); }, 60);
  };

  /* ------------------------------------------------------------------ feed and ticker */
  function renderList(el, items, max) {
    var html = items.slice(0, max).map(function (a) {
      return '<div class="om-feed-item om-sev-' + OM.esc(a.severity) + '" data-alert="' + OM.esc(a.alert_id) +
             '" data-lat="' + a.lat + '" data-lon="' + a.lon + '">' + OM.alertLine(a) + "</div>";
    }).join("");
    if (el._omHtml !== html) { el.innerHTML = html; el._omHtml = html; }
  }

  function newest(filter) {
    var list = [];
    OM.store.alerts.forEach(function (a) { if (filter(a)) list.push(a); });
    list.sort(function (a, b) { return b.ts - a.ts; });
    return list;
  }

  OM.refreshLists = function () {
    var feed = document.getElementById("om-feed");
    if (feed) renderList(feed, newest(function (a) { return OM.live.isOpen(a); }), FEED_MAX);
    var ticker = document.getElementById("om-wall-ticker");
    if (ticker) renderList(ticker, newest(function (a) {
      return (a.severity === "red" || a.severity === "orange") && OM.live.isOpen(a);
    }), TICKER_MAX);
  };
  var queued = false;
  OM.onChange(function () {
    if (queued) return;
    queued = true;
    setTimeout(function () { queued = false; OM.refreshLists(); }, 200);
  });

  document.addEventListener("click", function (ev) {
    var item = ev.target.closest && ev.target.closest("#om-feed .om-feed-item");
    if (!item) return;
    var id = item.getAttribute("data-alert");
    OM.live.flyTo("om-cmd-map", parseFloat(item.getAttribute("data-lat")), parseFloat(item.getAttribute("data-lon")), 17);
    if (dc.set_props) dc.set_props("om-selected", {data: {kind: "alert", id: id, n: Date.now()}});
  });
})();
