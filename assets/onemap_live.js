/* OneMap live data: one store fed by the socket (OM.live.positions / tracks / alerts / acks /
 * summary, called by the Socket.IO client in onemap_ui.js), shown by a view (onemap_view.js) on every
 * Leaflet map of the page. Nothing here goes back to the server. Every collection is capped so a
 * wall can run for days. */
(function () {
  "use strict";
  var OM = (window.onemap = window.onemap || {});
  var L = window.L;
  var CAP = (OM.CAP = {subjects: 20000, alerts: 1000, trail: 240, alertMarkers: 300});

  var store = (OM.store = {
    subjects: new Map(), // subject -> row [subject, kind, category, lat, lon, ts, speed, heading, zone]
    trails: new Map(), // unit -> [[lat, lon, ts], ...] oldest first
    alerts: new Map(), // alert_id -> alert (insertion order = arrival order)
    acked: new Set(),
    summary: null, config: null, clock: null, lastData: 0, lastAlertId: null
  });
  var views = (OM.views = {});
  var pending = [];
  var listeners = [];

  function lang() {
    var r = document.getElementById("om-root");
    return r && r.classList.contains("lang-en") ? "en" : "zh";
  }
  OM.lang = lang;
  OM.onChange = function (fn) { listeners.push(fn); };
  function changed(what) { for (var i = 0; i < listeners.length; i++) { try { listeners[i](what); } catch (e) { console.warn(e); } } }

  /* ---------------------------------------------------------------- the data store */
  function trim(map, cap) {
    if (map.size <= cap) return;
    var extra = map.size - cap, it = map.keys();
    while (extra-- > 0) map.delete(it.next().value);
  }

  function streamKey(id) {
    var p = String(id || "0-0").split("-");
    return [parseInt(p[0], 10) || 0, parseInt(p[1], 10) || 0];
  }
  OM.cmpId = function (a, b) {
    var x = streamKey(a), y = streamKey(b);
    return x[0] !== y[0] ? x[0] - y[0] : x[1] - y[1];
  };

  function clockOf() {
    var s = store.summary;
    return store.clock != null ? store.clock : (s && s.clock);
  }

  OM.live = {
    positions: function (data) {
      if (!data || !data.rows) return;
      var rows = data.rows, subjects = store.subjects, clock = store.clock;
      for (var i = 0; i < rows.length; i++) {
        var r = rows[i], old = subjects.get(r[0]);
        if (old && old[5] > r[5]) continue;
        subjects.set(r[0], r);
        if (clock == null || r[5] > clock) clock = r[5];
        if (r[1] === "unit") {
          var t = store.trails.get(r[0]);
          if (!t) { t = []; store.trails.set(r[0], t); }
          if (!t.length || t[t.length - 1][2] < r[5]) t.push([r[3], r[4], r[5]]);
          if (t.length > CAP.trail) t.splice(0, t.length - CAP.trail);
        }
      }
      store.clock = clock;
      trim(subjects, CAP.subjects);
      store.lastData = Date.now();
      eachView(function (v) { v.positions(data.snapshot ? null : rows); });
    },
    tracks: function (data) {
      if (!data || !data.tracks) return;
      Object.keys(data.tracks).forEach(function (u) {
        var got = data.tracks[u], have = store.trails.get(u) || [];
        var merged = got.concat(have.filter(function (p) { return !got.length || p[2] > got[got.length - 1][2]; }));
        store.trails.set(u, merged.slice(-CAP.trail));
      });
      eachView(function (v) { v.trailsDirty = true; });
    },
    /* Returns {last, gap}: gap is true when the server pushed alerts after ones this screen never got. */
    alerts: function (data) {
      var out = {last: store.lastAlertId, gap: false, fresh: []};
      if (!data || !data.alerts) return out;
      if (data.reset) { store.alerts.clear(); store.acked.clear(); }
      if (data.after && store.lastAlertId && OM.cmpId(data.after, store.lastAlertId) > 0) out.gap = true;
      data.alerts.forEach(function (a) {
        if (a.acked) store.acked.add(a.alert_id);
        if (!store.alerts.has(a.alert_id)) { store.alerts.set(a.alert_id, a); if (!data.reset && data.after !== null) out.fresh.push(a); }
      });
      trim(store.alerts, CAP.alerts);
      if (data.last && (!store.lastAlertId || OM.cmpId(data.last, store.lastAlertId) > 0 || data.reset)) store.lastAlertId = data.last;
      if (data.alerts.length) store.lastData = Date.now();
      out.last = store.lastAlertId;
      eachView(function (v) { v.alertsDirty = false; v.drawAlerts(); v.focus(out.fresh); }); // at once: urgent
      changed("alerts");
      return out;
    },
    acks: function (data) {
      (data && data.ids || []).forEach(function (id) { store.acked.add(id); });
      if (store.acked.size > CAP.alerts * 2) {
        var keep = new Set(); store.acked.forEach(function (id) { if (store.alerts.has(id)) keep.add(id); });
        store.acked = keep;
      }
      eachView(function (v) { v.alertsDirty = false; v.drawAlerts(); });
      changed("alerts");
    },
    summary: function (s) {
      if (!s) return;
      store.summary = s;
      if (s.clock != null && (store.clock == null || s.clock > store.clock)) store.clock = s.clock;
      eachView(function (v) { v.summary(s); });
      changed("summary");
    },
    config: function (cfg) {
      store.config = cfg;
      var waiting = pending; pending = [];
      waiting.forEach(function (m) { attach(m); });
      changed("config"); // lists drawn before the city's names came redraw with them
    },
    /* open until acknowledged, however old (web/views/escalation.py) */
    isOpen: function (a) { return !store.acked.has(a.alert_id); },
    /* the open incidents of the last summary (web/views/incidents.py), overdue first */
    incidents: function () { return (store.summary && store.summary.incidents) || []; },
    setLayers: function (mapId, on) { var v = views[mapId]; if (v) v.setLayers(on || []); },
    flyTo: function (mapId, lat, lon, zoom) {
      var v = views[mapId];
      if (v && isFinite(lat) && isFinite(lon)) v.map.flyTo([lat, lon], Math.max(zoom || 17, v.map.getZoom()), {duration: 0.8});
    },
    invalidate: function () { eachView(function (v) { v.map.invalidateSize(); }); }
  };

  function eachView(fn) { Object.keys(views).forEach(function (k) { if (views[k].alive()) fn(views[k]); else delete views[k]; }); }

  /* ---------------------------------------------------------------- attaching maps */
  var OPTIONS = {"om-cmd-map": {interactive: true, autofocus: false}, "om-wall-map": {interactive: false, autofocus: true}};
  function attach(map) {
    var id = map._container && map._container.id;
    if (!id || !OPTIONS[id]) return;
    if (!store.config) { pending.push(map); return; }
    views[id] = new OM.View(map, OPTIONS[id]);
    map._container.setAttribute("data-live", "1");
  }
  OM.attach = attach;
  if (L && !L.Map.__omHook) {
    L.Map.__omHook = true;
    L.Map.addInitHook(function () { var m = this; setTimeout(function () { attach(m); }, 0); });
  }

  OM.fmtTime = function (ts) {
    if (ts == null) return "--";
    var tz = store.config && store.config.timezone;
    try {
      return new Date(ts * 1000).toLocaleTimeString("en-GB", {hour12: false, timeZone: tz || undefined});
    } catch (e) { return new Date(ts * 1000).toLocaleTimeString("en-GB", {hour12: false}); }
  };
  /* An incident's age (event clock minus its oldest open alert) and whether it is overdue now:
   * the server sends "since" and "due" (web/views/incidents.py); the clock moves here. */
  OM.incidentAge = function (inc) {
    var clock = clockOf();
    return clock == null || inc.since == null ? null : Math.max(0, clock - inc.since);
  };
  OM.isEscalated = function (inc) {
    var clock = clockOf();
    return !!inc.escalated || (clock != null && inc.due != null && clock >= inc.due);
  };
  OM.ageText = function (s) { // as web/views/escalation.py age_text, in both languages
    if (s == null) return "--";
    s = Math.floor(s);
    if (s < 60) return OM.bi(s + " 秒", s + " s");
    if (s < 3600) return OM.bi(Math.floor(s / 60) + " 分钟", Math.floor(s / 60) + " min");
    var h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60);
    return OM.bi(h + " 小时 " + m + " 分钟", h + " h " + m + " min");
  };
  OM.overdueBadge = function () { return '<span class="om-overdue">' + OM.bi("超时", "overdue") + "</span>"; };
  OM.TYPES = {
    zone_exit: ["越出巡区", "Zone exit"], restricted_entry: ["闯入禁区", "Restricted entry"], overspeed: ["超速", "Overspeed"],
    night_ban: ["夜间禁行", "Night ban"], fatigue: ["疲劳驾驶", "Fatigue"], watchlist_hit: ["布控命中", "Watchlist hit"],
    cloned_plate: ["套牌嫌疑", "Cloned plate"], unit_offline: ["警力离线", "Unit offline"],
    officer_help: ["紧急求助", "Officer help"]
  };
  /* One line about an alert in lang ("en", else Chinese) from its fields and the city's names
   * (config.names: {zones|checkpoints|units|reasons: {id: [zh, en]}}). Pure; the same rules as
   * web/views/alertline.py alert_line (a browser test compares the two): change them together. */
  OM.alertText = function (a, lang, names) {
    names = names || {};
    var en = lang === "en";
    function name(kind, key) {
      var p = (names[kind] || {})[key];
      return p && p.length ? String(en ? p[1] : p[0]) : "";
    }
    var kind = String(a.type || ""), subject = String(a.subject || "").trim();
    var who = name("units", subject) || subject;
    var zid = String(a.zone || "").trim(), cid = String(a.checkpoint || "").trim();
    var zone = name("zones", zid) || zid;
    var cp = name("checkpoints", cid) || (cid ? (en ? "checkpoint " : "卡口 ") + cid : "");
    var reason = name("reasons", subject);
    switch (kind) {
      case "zone_exit":
        return en ? who + " left its patrol zone" + (zone ? " " + zone : "") : who + " 驶出责任巡区" + (zone ? " " + zone : "");
      case "restricted_entry":
        return en ? who + (zone ? " entered restricted zone " + zone : " entered a restricted zone") : who + " 闯入禁区" + (zone ? " " + zone : "");
      case "overspeed":
        return en ? who + " speeding" + (zone ? " in " + zone : "") : (zone ? who + " 在 " + zone + " 超速" : who + " 超速");
      case "night_ban":
        return en ? who + " on the road during the night ban" + (zone ? " in " + zone : "") : who + " 夜间禁行时段上路" + (zone ? "（" + zone + "）" : "");
      case "fatigue":
        return en ? who + " driving too long without a rest" + (zone ? " in " + zone : "") : who + " 疲劳驾驶，超时未休息" + (zone ? "（" + zone + "）" : "");
      case "watchlist_hit":
        if (en) return who + " on the watchlist" + (cp ? " at " + cp : "") + (reason ? " (" + reason + ")" : "");
        return (cp ? who + " 在 " + cp + " 命中布控" : who + " 命中布控") + (reason ? "（" + reason + "）" : "");
      case "cloned_plate":
        return en ? who + ": possible cloned plate" + (cp ? ", read at " + cp + " too soon after another checkpoint" : "") : who + " 疑似套牌" + (cp ? "：在 " + cp + " 过车，与另一卡口读数时空矛盾" : "");
      case "unit_offline":
        return en ? who + " offline: no position reports" : who + " 离线，无定位回传";
      case "officer_help":
        return en ? who + " calls for help" + (zone ? " in " + zone : "") : who + " 请求紧急支援" + (zone ? "（" + zone + "）" : "");
      default:
        return (who + " " + kind).trim();
    }
  };
  /* An alert as list HTML: color, type, subject, time, and its line in both languages (CSS shows one). */
  OM.alertLine = function (a) {
    var t = OM.TYPES[a.type] || [a.type, a.type], names = store.config && store.config.names;
    return '<span class="om-sevdot om-sev-' + OM.esc(a.severity) + '"></span><b>' + OM.bi(t[0], t[1]) + "</b> " +
           OM.esc(a.subject) + " · " + OM.fmtTime(a.ts) + '<br><small class="om-alert-line">' +
           OM.bi(OM.alertText(a, "zh", names), OM.alertText(a, "en", names)) + "</small>";
  };
})();
