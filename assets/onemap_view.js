/* OneMap map view: draws the live store (OM.store) in place on one Leaflet map.
 *
 * Units are DOM markers moved with setLatLng (arrow turned to the heading, status color); vehicles
 * are canvas badges by category, clustered on a screen grid below CLUSTER_BELOW; trails fade by age
 * over ten minutes; open incidents pulse by severity at their latest sighting, with the trail of
 * their sightings (one marker per incident, not per alert). Labels (callsigns, zone names, checkpoint
 * reads) never pile up: a label that would overlap one already placed is hidden. Created by OM.attach
 * (onemap_live.js). Every marker is placed by Leaflet alone: icons are centered on their anchor. */
(function () {
  "use strict";
  var OM = (window.onemap = window.onemap || {});
  var L = window.L;
  var store = OM.store;
  var CAP = OM.CAP;
  var TRAIL_S = 600;
  var CLUSTER_BELOW = 16; // zoom levels below this cluster vehicles
  var CELL_PX = 56;
  var CATS = {
    coach: ["客", "#00bcd4"], bus: ["公", "#26a69a"], school_bus: ["校", "#c0ca33"], hazmat: ["危", "#e040fb"],
    truck: ["货", "#a1887f"], taxi: ["租", "#9ccc65"], private: ["私", "#78909c"], "": ["·", "#546e7a"]
  };
  var CAT_NAMES = {coach: ["客运", "Coach"], bus: ["公交", "Bus"], school_bus: ["校车", "School bus"],
                   hazmat: ["危化", "Hazmat"], truck: ["货车", "Truck"], taxi: ["出租", "Taxi"],
                   private: ["私家车", "Private"]};
  var SEV_RANK = {red: 0, orange: 1, yellow: 2, blue: 3};
  var FOCUS_BOX_M = 1200, NEAR_UNIT_M = 1500; // a focused alert is framed with ~600 m around it and its nearest unit
  /* labels in order of precedence: a later one that overlaps an earlier one is hidden */
  var LABELS = [".om-unit-label", ".om-zone-label", ".om-restricted-label", ".om-cp-read"];

  /* ---------------------------------------------------------------- canvas vehicle badges */
  /* Each category badge is drawn once to a small offscreen canvas; a frame then only copies
   * pixels (drawImage), which keeps 5,000 visible vehicles cheap to redraw. */
  var sprites = {};
  /* the badges' characters come from the served web font: fetch it now, and draw the badges again
   * once it is there (a sprite drawn before would show the fallback's empty boxes) */
  var BADGE_FONT = 'bold 11px "Noto Sans SC", sans-serif';
  if (document.fonts) {
    document.fonts.load(BADGE_FONT, "客公校危货租私").then(function () {
      sprites = {};
      Object.keys(OM.views).forEach(function (k) { var r = OM.views[k].canvasVehicles; if (r && r._map) r._redraw(); });
    }, function () {});
  }
  function sprite(category, watch, s) {
    var key = category + (watch ? "!" : "") + s, hit = sprites[key];
    if (hit) return hit;
    var dpr = window.devicePixelRatio || 1, w = 2 * s + 4, cv = document.createElement("canvas");
    cv.width = cv.height = Math.ceil(w * dpr);
    var ctx = cv.getContext("2d"), c = CATS[category] || CATS[""];
    ctx.scale(dpr, dpr);
    ctx.beginPath();
    if (ctx.roundRect) ctx.roundRect(2, 2, 2 * s, 2 * s, 3); else ctx.rect(2, 2, 2 * s, 2 * s);
    ctx.fillStyle = c[1]; ctx.fill();
    ctx.lineWidth = watch ? 2.5 : 1; ctx.strokeStyle = watch ? "#ff3b3b" : "rgba(0,0,0,0.6)"; ctx.stroke();
    ctx.fillStyle = "#fff"; ctx.font = BADGE_FONT; ctx.textAlign = "center"; ctx.textBaseline = "middle";
    ctx.fillText(c[0], 2 + s, 2 + s + 0.5);
    sprites[key] = {canvas: cv, w: w};
    return sprites[key];
  }

  var Badge = L.CircleMarker.extend({
    _updatePath: function () {
      var r = this._renderer;
      if (!r._drawing || this._empty()) return; // draw only inside the renderer's frame
      var ctx = r._ctx, p = this._point, o = this.options, s = o.size || 9;
      if (!o.count) {
        var sp = sprite(o.category, o.watch, s);
        ctx.drawImage(sp.canvas, p.x - s - 2, p.y - s - 2, sp.w, sp.w);
        return;
      }
      ctx.beginPath(); // a cluster: its count in a ring
      ctx.arc(p.x, p.y, s, 0, Math.PI * 2);
      ctx.fillStyle = "rgba(17,45,74,0.92)"; ctx.fill();
      ctx.lineWidth = 2; ctx.strokeStyle = "rgba(120,190,255,0.9)"; ctx.stroke();
      ctx.fillStyle = "#e6f2ff"; ctx.font = "bold 12px sans-serif"; ctx.textAlign = "center"; ctx.textBaseline = "middle";
      ctx.fillText(String(o.count), p.x, p.y + 0.5);
    }
  });

  function unitIcon(row, unit, status) {
    var name = unit ? OM.bi(unit.zh, unit.en) : OM.esc(row[0]);
    var rot = row[7] == null ? 0 : row[7];
    return L.divIcon({
      className: "om-unit om-unit-" + status, iconSize: [26, 26], iconAnchor: [13, 13],
      html: '<div class="om-unit-arrow" style="transform:rotate(' + rot + 'deg)"></div>' +
            '<div class="om-unit-label">' + name + "</div>"
    });
  }

  /* an open incident: its worst color, its count (x7) and, when overdue, the class om-escalated and a badge */
  function incidentIcon(inc, escalated) {
    var html = '<span class="om-pulse"></span><span class="om-dot"></span>';
    if (inc.count > 1) html += '<span class="om-inc-count">\u00d7' + inc.count + "</span>";
    if (escalated) html += OM.overdueBadge();
    return L.divIcon({className: "om-alert om-incident om-sev-" + inc.severity + (escalated ? " om-escalated" : ""),
                      iconSize: [22, 22], iconAnchor: [11, 11], html: html});
  }

  /* the marker's element names what it shows (data-id), for people's tools and the browser tests */
  function tag(marker, id) { var el = marker.getElement && marker.getElement(); if (el) el.setAttribute("data-id", id); }

  /* ---------------------------------------------------------------- one map view */
  function View(map, opts) {
    var self = this, cfg = store.config;
    this.map = map; this.opts = opts; this.cfg = cfg;
    this.units = new Map(); this.vehicles = new Map(); this.clusters = []; this.trailLines = new Map();
    this.alertMarkers = new Map(); this.cpMarkers = new Map(); this.focusQueue = []; this.focusing = false;
    ["om-roads", "om-trails", "om-vehicles", "om-checkpoints", "om-units", "om-alerts"].forEach(function (name, i) {
      var pane = map.getPane(name) || map.createPane(name);
      pane.style.zIndex = String(380 + i * 10);
    });
    map.getPane("om-units").style.zIndex = "620";
    map.getPane("om-alerts").style.zIndex = "630";
    this.canvasRoads = L.canvas({pane: "om-roads", padding: 0.3});
    this.canvasTrails = L.canvas({pane: "om-trails", padding: 0.3});
    this.canvasVehicles = L.canvas({pane: "om-vehicles", padding: 0.3, tolerance: 3});
    this.groups = {
      trails: L.layerGroup().addTo(map), vehicles: L.layerGroup().addTo(map), units: L.layerGroup().addTo(map),
      alerts: L.layerGroup().addTo(map), checkpoints: L.layerGroup().addTo(map), roads: L.layerGroup().addTo(map)
    };
    if (cfg && cfg.bounds) map.fitBounds(cfg.bounds, {padding: [16, 16], animate: false});
    this.loadRoads(); this.drawCheckpoints();
    map.on("movestart", function () { self.moving = true; });
    map.on("zoomend moveend", function () { self.moving = false; self.vehiclesDirty = self.labelsDirty = true; });
    this.vehiclesDirty = this.trailsDirty = this.alertsDirty = this.labelsDirty = true;
    this.labelPasses = 0; this.labelLang = null;
    this.positions(null);
    if (store.summary) this.summary(store.summary);
    this.timer = setInterval(function () { self.tick(); }, 500);
  }

  View.prototype.alive = function () {
    var alive = !!(this.map && this.map._container && document.body.contains(this.map._container));
    if (!alive && this.timer) { clearInterval(this.timer); this.timer = null; }
    return alive;
  };

  View.prototype.select = function (kind, id) {
    if (!this.opts.interactive || !window.dash_clientside || !window.dash_clientside.set_props) return;
    window.dash_clientside.set_props("om-selected", {data: {kind: kind, id: id, n: Date.now()}});
  };

  View.prototype.loadRoads = function () {
    var self = this, url = this.cfg && this.cfg.roads_url;
    if (!url) return;
    fetch(url).then(function (r) { return r.json(); }).then(function (gj) {
      L.geoJSON(gj, {renderer: self.canvasRoads, interactive: false, pane: "om-roads", style: function (f) {
        var c = f.properties.c;
        return {color: c === 0 ? "#6f8fb3" : c === 1 ? "#4d6a8c" : "#34485f", weight: c === 0 ? 3 : c === 1 ? 2 : 1,
                opacity: 0.9};
      }}).addTo(self.groups.roads);
    }).catch(function (e) { console.warn("roads", e); });
  };

  View.prototype.drawCheckpoints = function () {
    var self = this;
    ((this.cfg && this.cfg.checkpoints) || []).forEach(function (cp) {
      var m = L.marker([cp.lat, cp.lon], {pane: "om-checkpoints", icon: L.divIcon({
        className: "om-cp" + (cp.station ? " om-cp-station" : ""), iconSize: [16, 16], iconAnchor: [8, 8],
        html: '<span class="om-cp-box"></span><span class="om-cp-read"></span>'})});
      m.bindTooltip(function () { return self.cpTip(cp); }, {className: "om-tip", direction: "top", offset: [0, -8]});
      m.on("click", function () { self.select("checkpoint", cp.id); });
      m.addTo(self.groups.checkpoints);
      tag(m, cp.id);
      self.cpMarkers.set(cp.id, m);
    });
  };

  View.prototype.cpTip = function (cp) {
    var read = store.summary && store.summary.reads && store.summary.reads[cp.id];
    var html = "<b>" + OM.bi(cp.zh, cp.en) + "</b> <small>" + OM.esc(cp.id) + "</small>";
    if (read) html += "<br>" + OM.bi("最近过车 ", "Last read ") + OM.esc(read[0]) + " · " + OM.fmtTime(read[1]);
    return html;
  };

  View.prototype.summary = function (s) {
    var reads = s.reads || {}, self = this;
    this.cpMarkers.forEach(function (m, id) {
      var el = m.getElement && m.getElement(), read = reads[id];
      if (el) { var span = el.querySelector(".om-cp-read"); if (span) span.textContent = read ? read[0] : ""; }
    });
    if (s.unit_status) {
      this.units.forEach(function (m, uid) {
        var st = s.unit_status[uid]; if (st && st !== m._omStatus) self.styleUnit(m, st);
      });
    }
    this.alertsDirty = this.labelsDirty = true;
  };

  View.prototype.styleUnit = function (m, status) {
    m._omStatus = status;
    var el = m.getElement && m.getElement();
    if (el) { el.classList.remove("om-unit-available", "om-unit-busy", "om-unit-offline"); el.classList.add("om-unit-" + status); }
  };

  /* rows: the changed rows, or null to redraw everything from the store */
  View.prototype.positions = function (rows) {
    var self = this, list = rows || Array.from(store.subjects.values());
    for (var i = 0; i < list.length; i++) {
      var r = list[i];
      if (r[1] === "unit") self.placeUnit(r); else self.placeVehicle(r);
    }
    this.vehiclesDirty = this.trailsDirty = this.labelsDirty = true;
  };

  View.prototype.placeUnit = function (r) {
    var self = this, m = this.units.get(r[0]);
    var status = (store.summary && store.summary.unit_status && store.summary.unit_status[r[0]]) || "available";
    var unit = this.cfg && this.cfg.units[r[0]];
    if (!m) {
      m = L.marker([r[3], r[4]], {pane: "om-units", icon: unitIcon(r, unit, status), riseOnHover: true});
      m._omStatus = status;
      m.on("click", function () { self.select("unit", r[0]); });
      m.addTo(this.groups.units);
      tag(m, r[0]);
      this.units.set(r[0], m);
      return;
    }
    m.setLatLng([r[3], r[4]]);
    var el = m.getElement && m.getElement();
    if (el && r[7] != null) { var a = el.querySelector(".om-unit-arrow"); if (a) a.style.transform = "rotate(" + r[7] + "deg)"; }
    if (status !== m._omStatus) this.styleUnit(m, status);
  };

  View.prototype.placeVehicle = function (r) {
    var self = this, m = this.vehicles.get(r[0]);
    if (!m) {
      var watch = this.cfg && this.cfg.watch && this.cfg.watch[r[0]];
      m = new Badge([r[3], r[4]], {renderer: this.canvasVehicles, pane: "om-vehicles", category: r[2], size: 8,
                                   watch: !!watch, stroke: true, fill: true, radius: 10});
      m.on("click", function () { self.select(r[1] === "vehicle" ? "vehicle" : "other", r[0]); });
      m.bindTooltip(function () { return self.vehicleTip(r[0]); }, {className: "om-tip", direction: "top"});
      m._omOn = false;
      this.vehicles.set(r[0], m);
      if (this.vehicles.size > CAP.subjects) {
        var first = this.vehicles.keys().next().value, fm = this.vehicles.get(first);
        if (fm._omOn) this.groups.vehicles.removeLayer(fm);
        this.vehicles.delete(first);
      }
    } else if (m._omOn) {
      m.setLatLng([r[3], r[4]]);
    } else {
      m._latlng = L.latLng(r[3], r[4]);
    }
  };

  View.prototype.vehicleTip = function (subject) {
    var r = store.subjects.get(subject); if (!r) return OM.esc(subject);
    var c = CAT_NAMES[r[2]] || ["", ""];
    return "<b>" + OM.esc(subject) + "</b> " + OM.bi(c[0], c[1]) + "<br>" + Math.round(r[6] || 0) + " km/h · " +
           OM.fmtTime(r[5]);
  };

  /* Screen-grid clustering below CLUSTER_BELOW; a cell with one vehicle shows the vehicle itself. */
  View.prototype.drawVehicles = function () {
    var map = this.map, self = this, group = this.groups.vehicles, zoom = map.getZoom();
    this.clusters.forEach(function (c) { group.removeLayer(c); });
    this.clusters = [];
    var show = new Set();
    if (zoom >= CLUSTER_BELOW) {
      this.vehicles.forEach(function (m, id) { show.add(id); });
    } else {
      var bounds = map.getBounds().pad(0.2), cells = new Map();
      this.vehicles.forEach(function (m, id) {
        var ll = m._latlng; if (!bounds.contains(ll)) return;
        var p = map.project(ll, zoom), key = Math.floor(p.x / CELL_PX) + ":" + Math.floor(p.y / CELL_PX);
        var cell = cells.get(key); if (!cell) { cell = []; cells.set(key, cell); } cell.push(id);
      });
      cells.forEach(function (ids) {
        if (ids.length === 1) { show.add(ids[0]); return; }
        var lat = 0, lon = 0;
        ids.forEach(function (id) { var ll = self.vehicles.get(id)._latlng; lat += ll.lat; lon += ll.lng; });
        var n = ids.length, c = new Badge([lat / n, lon / n], {renderer: self.canvasVehicles, pane: "om-vehicles",
          count: n, size: n < 10 ? 11 : n < 100 ? 14 : 17, radius: n < 10 ? 13 : n < 100 ? 16 : 19});
        c.on("click", function () {
          var b = L.latLngBounds(ids.map(function (id) { return self.vehicles.get(id)._latlng; }));
          map.fitBounds(b.pad(0.3), {maxZoom: CLUSTER_BELOW});
        });
        group.addLayer(c); self.clusters.push(c);
      });
    }
    this.vehicles.forEach(function (m, id) {
      var on = show.has(id);
      if (on && !m._omOn) { group.addLayer(m); m._omOn = true; }
      else if (!on && m._omOn) { group.removeLayer(m); m._omOn = false; }
    });
  };

  /* Trails: per unit, five polylines by age so the line fades out over ten minutes. */
  View.prototype.drawTrails = function () {
    var clock = store.clock, self = this, BUCKETS = [0.8, 0.55, 0.35, 0.2, 0.1];
    if (clock == null) return;
    store.trails.forEach(function (pts, uid) {
      var lines = self.trailLines.get(uid);
      if (!lines) {
        lines = BUCKETS.map(function (op) {
          return L.polyline([], {renderer: self.canvasTrails, color: "#39ff9f", weight: 2.5, opacity: op, interactive: false,
                                 lineCap: "round", lineJoin: "round"});
        });
        lines.forEach(function (l) { self.groups.trails.addLayer(l); });
        self.trailLines.set(uid, lines);
      }
      var parts = BUCKETS.map(function () { return []; });
      for (var i = 0; i < pts.length; i++) {
        var age = clock - pts[i][2]; if (age > TRAIL_S) continue;
        var b = Math.min(BUCKETS.length - 1, Math.floor(Math.max(0, age) / (TRAIL_S / BUCKETS.length)));
        parts[b].push([pts[i][0], pts[i][1]]);
        if (i + 1 < pts.length) { // join buckets so the line has no gaps
          var nb = Math.min(BUCKETS.length - 1, Math.floor(Math.max(0, clock - pts[i + 1][2]) / (TRAIL_S / BUCKETS.length)));
          if (nb !== b) parts[b].push([pts[i + 1][0], pts[i + 1][1]]);
        }
      }
      lines.forEach(function (l, k) { l.setLatLngs(parts[k]); });
    });
  };

  /* Open incidents (OM.live.incidents): one marker at the latest sighting (data-id = incident id,
   * data-latest = its newest alert) and, with two or more sightings, a line through them in time order. */
  View.prototype.drawAlerts = function () {
    var self = this, group = this.groups.alerts, want = new Map();
    OM.live.incidents().forEach(function (inc) {
      if (want.size < CAP.alertMarkers && isFinite(inc.lat) && isFinite(inc.lon) && inc.lat !== null) want.set(inc.id, inc);
    });
    function drop(m) { group.removeLayer(m); if (m._omTrail) group.removeLayer(m._omTrail); m._omTrail = null; }
    this.alertMarkers.forEach(function (m, id) { if (!want.has(id)) { drop(m); self.alertMarkers.delete(id); } });
    want.forEach(function (inc, id) {
      var esc = OM.isEscalated(inc), m = self.alertMarkers.get(id);
      var sig = [inc.severity, inc.count, esc, inc.lat, inc.lon, inc.alert_id].join("|");
      if (m && m._omSig === sig) { m._omInc = inc; return; }
      if (m) drop(m);
      m = L.marker([inc.lat, inc.lon], {pane: "om-alerts", icon: incidentIcon(inc, esc),
                                         zIndexOffset: 1000 - (SEV_RANK[inc.severity] || 0) * 100 + (esc ? 500 : 0)});
      m._omInc = inc; m._omSig = sig;
      m.bindTooltip(function () { return self.incidentTip(m._omInc); }, {className: "om-tip", direction: "top", offset: [0, -10]});
      m.on("click", function () { self.select("alert", m._omInc.alert_id); });
      if (inc.trail && inc.trail.length > 1) {
        m._omTrail = L.polyline(inc.trail, {pane: "om-alerts", interactive: false, weight: 3, opacity: 0.85, dashArray: "6 5",
                                            smoothFactor: 0, // every sighting stays a vertex
                                            color: OM.COLORS[inc.severity] || OM.COLORS[""],
                                            className: "om-incident-trail om-sev-" + inc.severity});
        group.addLayer(m._omTrail);
        var path = m._omTrail.getElement && m._omTrail.getElement();
        if (path) path.setAttribute("data-id", id);
      }
      group.addLayer(m); self.alertMarkers.set(id, m);
      tag(m, id);
      var el = m.getElement && m.getElement();
      if (el) { el.setAttribute("data-latest", inc.alert_id); el.setAttribute("data-count", String(inc.count)); }
    });
  };

  View.prototype.incidentTip = function (inc) {
    var line = OM.alertLine({alert_id: inc.alert_id, type: inc.type, severity: inc.severity, subject: inc.subject,
                             ts: inc.ts, text: inc.text, zone: inc.zone, checkpoint: inc.checkpoint});
    return line + "<br>" + (inc.count > 1 ? "\u00d7" + inc.count + " · " : "") + OM.ageText(OM.incidentAge(inc)) +
           (OM.isEscalated(inc) ? " " + OM.overdueBadge() : "");
  };

  /* Wall: fly to each new red alert for a few seconds, then back to the whole city. */
  View.prototype.focus = function (fresh) {
    if (!this.opts.autofocus || !fresh || !fresh.length) return;
    var self = this;
    fresh.forEach(function (a) { if (a.severity === "red" && isFinite(a.lat) && self.focusQueue.length < 5) self.focusQueue.push(a); });
    if (!this.focusing) this.nextFocus();
  };
  View.prototype.nextFocus = function () {
    var self = this, a = this.focusQueue.shift();
    if (!a) { this.focusing = false; this.home(); return; }
    this.focusing = true;
    this.focusTarget = this.frame(a.lat, a.lon);
    this.map.flyTo(this.focusTarget.center, this.focusTarget.zoom, {duration: 1.2});
    if (this.map.getContainer()) this.map.getContainer().setAttribute("data-focus", a.alert_id);
    setTimeout(function () { if (self.alive()) self.nextFocus(); }, (this.opts.focusMs || 8000));
  };

  View.prototype.nearestUnit = function (ll) {
    var best = null, bestM = NEAR_UNIT_M;
    this.units.forEach(function (m) { var d = ll.distanceTo(m.getLatLng()); if (d < bestM) { bestM = d; best = m.getLatLng(); } });
    return best;
  };

  /* Where the wall looks at an alert: the alert with its surroundings (about FOCUS_BOX_M across,
   * widened to its nearest unit), but never so far out that the view leaves the city, and the
   * view's center moved so the view lies inside the city's bounds (no half-dark map). The alert
   * stays on screen: it lies inside the city and the view only moves toward the city. */
  View.prototype.frame = function (lat, lon) {
    var map = this.map, size = map.getSize(), ll = L.latLng(lat, lon), box = ll.toBounds(FOCUS_BOX_M);
    var near = this.nearestUnit(ll);
    if (near) box.extend(near.toBounds(300));
    var zoom = map.getBoundsZoom(box, false, L.point(60, 60));
    var b = this.cfg && this.cfg.bounds;
    if (!b) return {center: ll, zoom: zoom};
    var city = L.latLngBounds(b);
    if (!city.contains(ll)) city.extend(ll.toBounds(600)); // an alert outside the pack's area: keep it framed
    var z0 = map.getZoom(), nw0 = map.project(city.getNorthWest(), z0), se0 = map.project(city.getSouthEast(), z0);
    var cover = z0 + Math.log(Math.max(size.x / (se0.x - nw0.x), size.y / (se0.y - nw0.y))) / Math.LN2;
    var snap = map.options.zoomSnap || 1;
    zoom = Math.min(Math.ceil(Math.max(zoom, cover) / snap - 1e-9) * snap, map.getMaxZoom());
    var p = map.project(ll, zoom), nw = map.project(city.getNorthWest(), zoom), se = map.project(city.getSouthEast(), zoom);
    function clamp(v, lo, hi) { return lo > hi ? (lo + hi) / 2 : Math.min(Math.max(v, lo), hi); }
    p = L.point(clamp(p.x, nw.x + size.x / 2, se.x - size.x / 2), clamp(p.y, nw.y + size.y / 2, se.y - size.y / 2));
    return {center: map.unproject(p, zoom), zoom: zoom};
  };
  View.prototype.home = function () {
    var b = this.cfg && this.cfg.bounds;
    if (b) this.map.flyToBounds(b, {duration: 1.2, padding: [20, 20]});
    if (this.map.getContainer()) this.map.getContainer().removeAttribute("data-focus");
  };

  View.prototype.setLayers = function (on) {
    var set = new Set(on), map = this.map;
    var panes = {zones: "om-zones", restricted: "om-restricted", roads: "om-roads", checkpoints: "om-checkpoints",
                 units: "om-units", trails: "om-trails", vehicles: "om-vehicles", alerts: "om-alerts"};
    Object.keys(panes).forEach(function (k) {
      var pane = map.getPane(panes[k]); if (pane) pane.style.display = set.has(k) ? "" : "none";
    });
  };

  /* Labels after each change of view, positions, language or fonts: centered tooltips (zone names)
   * are placed again (Leaflet measures their width once, and a language or font changes it), then
   * each label in LABELS order is shown where it overlaps no label shown before it: a zone label
   * may step above or below its zone's center, any other label is hidden. */
  function overlap(r, q) {
    return Math.min(r.right, q.right) - Math.max(r.left, q.left) > 1 && Math.min(r.bottom, q.bottom) - Math.max(r.top, q.top) > 1;
  }
  View.prototype.placeLabels = function () {
    var map = this.map, el = map.getContainer(), tips = new Map();
    map.eachLayer(function (layer) {
      var t = layer.getTooltip && layer.getTooltip();
      if (t && t.options.permanent && t._map && t._container && t._updatePosition) {
        t.options.offset = L.point(0, 0); t._updatePosition(); tips.set(t._container, t);
      }
    });
    var nodes = [];
    LABELS.forEach(function (sel) { el.querySelectorAll(sel).forEach(function (n) { n.classList.remove("om-label-off"); nodes.push(n); }); });
    var rects = nodes.map(function (n) { return n.textContent.trim() ? n.getBoundingClientRect() : null; });
    var shown = [];
    function free(r) { return !shown.some(function (q) { return overlap(r, q); }); }
    nodes.forEach(function (n, i) {
      var r = rects[i], t = tips.get(n);
      if (!r || !r.width || !r.height) return;
      if (free(r)) { shown.push(r); return; }
      if (t) {
        var step = Math.ceil(r.height) + 2, moves = [-step, step, -2 * step, 2 * step];
        for (var k = 0; k < moves.length; k++) {
          t.options.offset = L.point(0, moves[k]); t._updatePosition();
          var moved = n.getBoundingClientRect();
          if (free(moved)) { shown.push(moved); return; }
        }
        t.options.offset = L.point(0, 0); t._updatePosition();
      }
      n.classList.add("om-label-off");
    });
    this.labelPasses++;
  };

  View.prototype.tick = function () {
    if (!this.alive()) return;
    if (OM.lang() !== this.labelLang) { this.labelLang = OM.lang(); this.labelsDirty = true; }
    if (this.labelsDirty && !this.moving && !this.map._animatingZoom) { this.labelsDirty = false; this.placeLabels(); }
    if (this.vehiclesDirty) { this.vehiclesDirty = false; this.drawVehicles(); }
    var now = Date.now();
    if (this.trailsDirty && (!this.trailsAt || now - this.trailsAt > 2000)) { this.trailsDirty = false; this.trailsAt = now; this.drawTrails(); }
    if (this.alertsDirty) { this.alertsDirty = false; this.drawAlerts(); }
  };


  /* a font that arrives late changes every label's width */
  if (document.fonts && document.fonts.addEventListener) {
    document.fonts.addEventListener("loadingdone", function () {
      Object.keys(OM.views || {}).forEach(function (k) { OM.views[k].labelsDirty = true; });
    });
  }

  OM.View = View;
})();
