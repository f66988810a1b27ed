/* OneMap in the page: the Socket.IO client (pushed data -> OM.live, the header, the wall), thin
 * clientside callbacks, and the two DOM lists Dash does not own: the live alert feed and the wall ticker.
 *
 * Pushed data never passes through a Dash callback: Dash records every change of a callback input
 * in its undo history (store.history.past) and never drops it, so a 1 Hz push would grow the page
 * without bound. The page instead opens its own connection with the official socket.io-client
 * (assets/vendor/socket.io-client), hands every event to OM.live and writes figures, the connection
 * state and the lists straight into the DOM. */
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
    if (name === "clock") return [s.clock_text || "--", "om-clock"];
    if (name === "health") {
      var h = s.health || {}, label = HEALTH[h.state] || ["?", "?"];
      return [(lang === "en" ? label[1] : label[0]) + " " + (h.workers || 0) + " · " + (h.covered || 0) + "/" + (h.partitions || 0),
              "om-health om-health-" + (h.state || "down")];
    }
    if ((m = /^open-(\w+)$/.exec(name))) return [String((s.open || {})[m[1]] || 0), "om-count om-sev-" + m[1]];
    if ((m = /^units-(\w+)$/.exec(name))) return [String((s.units || {})[m[1]] || 0), "om-count om-unit-" + m[1]];
    if (name === "intercepts") return [String(s.intercepts || 0), "om-count"];
    if (name === "vehicles") return [String(s.vehicles || 0) + " / " + String(s.vehicles_total || 0), "om-count"];
    return ["", ""];
  }

  dc.onemap = {
    config: function (cfg) { if (cfg) OM.live.config(cfg); return nu(); },
    /* -> [language store, root class] from the header switch or ?lang= on the wall */
    lang: function (switches, search) {
      var m = /[?&]lang=(zh|en)/.exec(search || ""), lang = m ? m[1] : ((switches || [])[0] || "zh");
      if (lang !== "en") lang = "zh";
      setTimeout(function () { OM.refreshLists && OM.refreshLists(); OM.onLang && OM.onLang(); }, 0);
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

  /* ------------------------------------------------------------------ the socket */
  var EVENTS = ["positions", "tracks", "alerts", "acks", "summary"]; // web.bridge.EVENTS
  var socket = null, seen = 0, hideouts = "";

  function later(fn) { setTimeout(fn, 0); }
  function setProps(id, props) { if (dc.set_props) later(function () { dc.set_props(id, props); }); }

  /* The alerts table refreshes on this counter; only a visible table needs it (each change of a
   * callback input is one more entry in Dash's history). */
  function tableSeen() {
    var t = document.getElementById("om-al-table");
    if (t && t.offsetParent !== null) setProps("om-alerts-seen", {data: ++seen});
  }

  /* Ask the server for what this screen missed after stream id `after` (null: everything recent);
   * web.sockets answers with positions, tracks, alerts, acks and summary to this client alone. */
  function catchUp(after) {
    if (socket && socket.connected) socket.emit("catchup", {after: after || null});
  }

  function onAlerts(data) {
    var prev = OM.store.lastAlertId, res = OM.live.alerts(data);
    if (res.gap) catchUp(prev);
    tableSeen();
  }

  function showSummary(s) {
    document.querySelectorAll(".om-live").forEach(function (el) {
      var m = /(?:^|\s)om-live-([\w-]+)/.exec(el.className);
      if (!m) return;
      var v = liveValue(m[1], s), cls = "om-live om-live-" + m[1] + " " + v[1];
      if (el.textContent !== v[0]) el.textContent = v[0];
      if (el.className !== cls) el.className = cls;
    });
    var hideout = {status: s.zones || {}}, key = JSON.stringify(hideout) + Object.keys(OM.views).join();
    if (key !== hideouts) {
      hideouts = key;
      Object.keys(OM.views).forEach(function (mapId) { setProps({type: "om-zones", map: mapId}, {hideout: hideout}); });
    }
  }

  /* live / reconnecting, on every .om-link (web.ids.link) */
  function showLink() {
    var up = !!(socket && socket.connected), lang = OM.lang();
    var text = up ? (lang === "en" ? "Live" : "实时") : (lang === "en" ? "Reconnecting" : "重连中");
    var cls = "om-link " + (up ? "om-link-up" : "om-link-down");
    document.querySelectorAll(".om-link").forEach(function (el) {
      if (el.textContent !== text) el.textContent = text;
      if (el.className !== cls) el.className = cls;
    });
  }

  var HANDLERS = {
    positions: function (d) { OM.live.positions(d); },
    tracks: function (d) { OM.live.tracks(d); },
    alerts: onAlerts,
    acks: function (d) { OM.live.acks(d); tableSeen(); },
    summary: function (d) { OM.live.summary(d); showSummary(d); }
  };

  /* Same origin, path /socket.io; the client reconnects by itself with backoff, and every
   * (re)connect asks for a catch-up from the newest alert this screen holds. The library is loaded
   * after this file (Dash loads assets/ sub-folders last), so the connection opens once the page's
   * scripts have all run. */
  function connect() {
    if (socket) return;
    if (typeof window.io !== "function") { setTimeout(connect, 50); return; }
    socket = OM.socket = window.io({path: "/socket.io"});
    socket.on("connect", function () { showLink(); catchUp(OM.store.lastAlertId); });
    socket.on("disconnect", showLink);
    EVENTS.forEach(function (e) {
      socket.on(e, function (data) {
        try { HANDLERS[e](data); } catch (err) { console.warn("onemap", e, err); }
      });
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", connect);
  else connect();

  /* data age, once a second, straight into the page */
  function showAge() {
    var last = OM.store.lastData, ms = last ? Date.now() - last : null, lang = OM.lang();
    var stalled = ms == null || ms > STALL_MS;
    var text = ms == null ? "--" : (Math.floor(ms / 1000) + (lang === "en" ? " s" : " 秒"));
    if (stalled && ms != null) text = (lang === "en" ? "STALLED " : "中断 ") + text;
    document.querySelectorAll(".om-age").forEach(function (el) {
      if (el.textContent !== text) el.textContent = text;
      el.classList.toggle("om-stalled", stalled);
    });
  }
  setInterval(function () { showAge(); showLink(); }, 1000); // also dresses links a new page brings

  /* summary figures follow a language switch at once */
  OM.onLang = function () { if (OM.store.summary) showSummary(OM.store.summary); showAge(); showLink(); };

  /* ------------------------------------------------------------------ feed and ticker */
  /* One row per open incident (web/views/incidents.py): its latest sighting's line, then the count
   * (x7), where it was last seen, how long it has been open and, when overdue, om-escalated + a badge. */
  function place(inc) {
    var cfg = OM.store.config || {}, cp = null, zone = (cfg.zones || {})[inc.zone];
    (cfg.checkpoints || []).forEach(function (c) { if (c.id === inc.checkpoint) cp = c; });
    if (cp) return OM.bi(cp.zh, cp.en);
    if (zone) return OM.bi(zone.zh, zone.en);
    return OM.esc(inc.checkpoint || inc.zone || "");
  }

  function incidentRow(inc) {
    var esc = OM.isEscalated(inc), where = place(inc), a = {alert_id: inc.alert_id, type: inc.type, severity: inc.severity,
      subject: inc.subject, ts: inc.ts, text: inc.text, lat: inc.lat, lon: inc.lon, zone: inc.zone, checkpoint: inc.checkpoint};
    var meta = (inc.count > 1 ? '<span class="om-inc-count">\u00d7' + inc.count + "</span> " : "") +
               (where ? '<span class="om-inc-where">' + where + "</span> · " : "") +
               '<span class="om-inc-age">' + OM.ageText(OM.incidentAge(inc)) + "</span>" + (esc ? " " + OM.overdueBadge() : "");
    return '<div class="om-feed-item om-incident om-sev-' + OM.esc(inc.severity) + (esc ? " om-escalated" : "") +
           '" data-incident="' + OM.esc(inc.id) + '" data-alert="' + OM.esc(inc.alert_id) + '" data-count="' + inc.count +
           '" data-lat="' + inc.lat + '" data-lon="' + inc.lon + '">' + OM.alertLine(a) +
           '<div class="om-inc-meta">' + meta + "</div></div>";
  }

  function renderList(el, items, max) {
    var html = items.slice(0, max).map(incidentRow).join("");
    if (el._omHtml !== html) { el.innerHTML = html; el._omHtml = html; }
  }

  OM.refreshLists = function () {
    var all = OM.live.incidents();
    var feed = document.getElementById("om-feed");
    if (feed) renderList(feed, all.slice().sort(function (a, b) { return b.ts - a.ts; }), FEED_MAX);
    var ticker = document.getElementById("om-wall-ticker");
    if (ticker) renderList(ticker, all.filter(function (i) { // already overdue first, then by color and newest
      return i.severity === "red" || i.severity === "orange" || OM.isEscalated(i);
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
