/* The unit terminal's position sharing, for a car with no tracker: while the toggle is on, each
 * fix of the phone (navigator.geolocation.watchPosition) goes to the OsmAnd endpoint of the same
 * origin (/api/osmand) exactly as the Traccar Client app would send it: id (this page's own unit,
 * never anything else), lat, lon, timestamp (unix seconds), speed (knots), bearing, altitude,
 * accuracy. It is a device endpoint (no session, no cookie is sent), so it passes the same checks
 * and the same per-device rate limit as any tracker; at most one fix every MIN_GAP_MS is sent.
 * The toggle is remembered per unit across reloads. Does nothing outside #om-unit. */
(function () {
  "use strict";
  if (!document.getElementById("om-unit")) { return; }
  var MIN_GAP_MS = 5000;
  var KNOT_MS = 0.514444;  // metres per second in a knot

  function params(unit, pos) {
    var c = pos.coords;
    var q = {id: unit, lat: c.latitude.toFixed(6), lon: c.longitude.toFixed(6),
             timestamp: String(Math.round((pos.timestamp || Date.now()) / 1000))};
    if (typeof c.speed === "number" && isFinite(c.speed) && c.speed >= 0) { q.speed = (c.speed / KNOT_MS).toFixed(1); }
    if (typeof c.heading === "number" && isFinite(c.heading) && c.heading >= 0) { q.bearing = c.heading.toFixed(0); }
    if (typeof c.altitude === "number" && isFinite(c.altitude)) { q.altitude = c.altitude.toFixed(0); }
    if (typeof c.accuracy === "number" && isFinite(c.accuracy) && c.accuracy >= 0) { q.accuracy = c.accuracy.toFixed(0); }
    return q;
  }

  function create(unit, button, shown, words, lang) {
    var key = "onemap.unit." + unit + ".share";
    var watch = null, last = 0;

    function say(text) { shown.textContent = text; }

    function send(pos) {
      var now = Date.now();
      if (now - last < MIN_GAP_MS) { return; }
      last = now;
      fetch("/api/osmand?" + new URLSearchParams(params(unit, pos)).toString(), {method: "POST", credentials: "omit"})
        .then(function (r) {
          if (!r.ok) { say(words.position_refused + " (" + r.status + ")"); return; }
          say(words.position_sent + " " + new Date().toLocaleTimeString(lang === "en" ? "en-GB" : "zh-CN",
                                                                            {hour12: false}));
        })
        .catch(function () { last = 0; say(words.position_error); });
    }

    function set(on) {
      button.setAttribute("aria-pressed", on ? "true" : "false");
      try { window.localStorage.setItem(key, on ? "1" : ""); } catch (e) { /* not remembered */ }
      if (!on) {
        if (watch !== null) { navigator.geolocation.clearWatch(watch); watch = null; }
        return;
      }
      if (!navigator.geolocation) { say(words.position_error); button.setAttribute("aria-pressed", "false"); return; }
      if (watch === null) {
        last = 0;
        watch = navigator.geolocation.watchPosition(send, function () { say(words.position_error); },
                                                    {enableHighAccuracy: true, maximumAge: 5000, timeout: 30000});
      }
    }

    button.addEventListener("click", function () { set(button.getAttribute("aria-pressed") !== "true"); });
    var remembered = "";
    try { remembered = window.localStorage.getItem(key) || ""; } catch (e) { remembered = ""; }
    if (remembered) { set(true); }
  }

  window.OMUnitGeo = {create: create, params: params};
})();
