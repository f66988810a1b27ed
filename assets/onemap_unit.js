/* The unit terminal /unit (see web/unit.py and web/unitpage.py). Dash loads every asset on its
 * own pages too: this script does nothing unless the page has #om-unit.
 * It fetches the unit's open orders (GET /unit/orders) and draws each with its small map
 * (onemap_unit_map.js) and the buttons its status allows. A new order rings: a short tone
 * (WebAudio), a vibration where the phone allows, and a "New order" mark that stays until the
 * officer touches the order. Answers go through the outbox (onemap_unit_outbox.js): queued in
 * localStorage, shown at once, delivered in order when the link allows; Clear asks for a
 * disposition and Decline for a reason first. Catch-up: on every socket (re)connect, when the
 * browser is back online, when the page is shown again and every 15 s, the page sends what is
 * queued and fetches its list again (new orders missed meanwhile ring then). Help posts at once. */
(function () {
  "use strict";
  var root = document.getElementById("om-unit");
  if (!root) { return; }
  var cfg = JSON.parse(root.getAttribute("data-config") || "{}");
  var words = cfg.text || {};
  var machine = cfg.machine;
  var list = document.getElementById("om-unit-orders");
  var note = document.getElementById("om-unit-note");
  var queued = document.getElementById("om-unit-queue");
  var token = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";
  var lang = "?lang=" + encodeURIComponent(cfg.lang || "zh");
  var NEW = "issued";
  var orders = [];

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined) { e.textContent = text; }
    return e;
  }

  /* order ids remembered per unit across reloads: which rang, which the officer has touched */
  function idSet(name) {
    var key = "onemap.unit." + cfg.unit + "." + name, ids = {};
    try { (JSON.parse(window.localStorage.getItem(key) || "[]") || []).forEach(function (i) { ids[i] = 1; }); }
    catch (e) { ids = {}; }
    return {
      has: function (id) { return ids[id] === 1; },
      add: function (id) { ids[id] = 1; this.save(); },
      keep: function (open) { var kept = {}; open.forEach(function (i) { if (ids[i]) { kept[i] = 1; } }); ids = kept; this.save(); },
      save: function () { try { window.localStorage.setItem(key, JSON.stringify(Object.keys(ids))); } catch (e) { /* memory only */ } }
    };
  }
  var rung = idSet("rung"), touched = idSet("touched");

  /* --- ring ------------------------------------------------------------------------------- */
  var audio = null;
  function audioContext() {
    var AC = window.AudioContext || window.webkitAudioContext;
    if (!AC) { return null; }
    if (!audio) { audio = new AC(); }
    if (audio.state === "suspended" && audio.resume) { audio.resume().catch(function () { return null; }); }
    return audio;
  }
  document.addEventListener("pointerdown", function () { try { audioContext(); } catch (e) { /* no sound */ } },
                            {once: true});  // phones allow sound after the first touch

  function ring() {
    try { if (navigator.vibrate) { navigator.vibrate([300, 120, 300, 120, 300]); } } catch (e) { /* no vibration */ }
    try {
      var ctx = audioContext();
      if (!ctx) { return; }
      [0, 0.3, 0.6].forEach(function (at) {
        var osc = ctx.createOscillator(), gain = ctx.createGain(), t = ctx.currentTime + at;
        osc.type = "square";
        osc.frequency.value = 880;
        gain.gain.setValueAtTime(0.15, t);
        gain.gain.setValueAtTime(0, t + 0.2);
        osc.connect(gain);
        gain.connect(ctx.destination);
        osc.start(t);
        osc.stop(t + 0.2);
      });
    } catch (e) { /* no sound: the mark on the order still shows */ }
  }

  /* --- orders ----------------------------------------------------------------------------- */
  function touch(card, id) {
    if (touched.has(id)) { return; }
    touched.add(id);
    card.classList.remove("om-unit-new");
    var badge = card.querySelector(".om-unit-badge");
    if (badge) { badge.remove(); }
  }

  function card(o) {
    var c = el("section", "om-unit-order");
    c.setAttribute("data-order-id", o.order_id);
    c.setAttribute("data-status", o.status);
    if (!touched.has(o.order_id)) {
      c.classList.add("om-unit-new");
      c.appendChild(el("span", "om-unit-badge", words.new_order));
    }
    ["click", "keydown"].forEach(function (ev) {  // not pointerdown: the mark going moves the buttons under the finger
      c.addEventListener(ev, function () { touch(c, o.order_id); });
    });
    c.appendChild(el("p", "om-unit-text", o.text));
    c.appendChild(el("p", "om-unit-where", words.go_to + ": " + o.where));
    if (o.map && window.OMUnitMap) { c.appendChild(window.OMUnitMap.draw(o.map, words)); }
    var status = el("p", "om-unit-status", words.status + ": " + o.status_text);
    if (o.queued) { status.appendChild(el("span", "om-unit-queued", " (" + words.queued_mark + ")")); }
    c.appendChild(status);
    var row = el("div", "om-unit-buttons");
    o.buttons.forEach(function (b) {
      var button = el("button", "", b.label);
      button.type = "button";
      button.setAttribute("data-status", b.status);
      button.addEventListener("click", function () { answer(o.order_id, b.status); });
      row.appendChild(button);
    });
    c.appendChild(row);
    return c;
  }

  function render() {
    var shown = window.OMUnitOutbox.apply(orders, outbox.pending(), machine);
    list.textContent = "";
    if (!shown.length) { list.appendChild(el("p", "om-unit-none", words.none)); return; }
    shown.forEach(function (o) { list.appendChild(card(o)); });
  }

  function received(fresh) {
    orders = fresh;
    var open = fresh.map(function (o) { return o.order_id; });
    rung.keep(open);
    touched.keep(open);
    var news = fresh.filter(function (o) { return o.status === NEW && !rung.has(o.order_id); });
    news.forEach(function (o) { rung.add(o.order_id); });
    if (news.length) { ring(); }
    render();
  }

  function post(url, body) {
    return fetch(url, {method: "POST", credentials: "same-origin", body: JSON.stringify(body || {}),
                       headers: {"Content-Type": "application/json", "X-CSRFToken": token}});
  }

  function load() {
    return fetch("/unit/orders" + lang, {credentials: "same-origin"})
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
      .then(function (fresh) { if (note.textContent === words.offline) { note.textContent = ""; } received(fresh); })
      .catch(function () { note.textContent = words.offline; });
  }

  /* --- answers: the outbox ---------------------------------------------------------------- */
  function deliver(item) {
    var url = "/unit/orders/" + encodeURIComponent(item.order_id) + "/ack" + lang;
    return post(url, {status: item.status, note: item.note}).then(function (r) {
      return r.json().catch(function () { return null; }).then(function (body) {
        if (r.ok) { if (Array.isArray(body)) { orders = body; } return "done"; }
        if (r.status === 409 && body && body.reached) { return "done"; }  // sent before; its reply was lost
        if (r.status === 400 || r.status === 404 || r.status === 409) { return "refused"; }
        throw new Error("not delivered: " + r.status);  // offline, 401/403 (signed out), 429, 5xx: kept
      });
    });
  }

  function showQueued(q) {
    queued.hidden = !q.length;
    queued.textContent = q.length ? words.queued + " (" + q.length + ")" : "";
  }

  var outbox = window.OMUnitOutbox.create(cfg.unit, deliver, function (q) { showQueued(q); render(); },
    function (item, outcome) {
      if (outcome === "refused") { note.textContent = words.refused; }
      else if (note.textContent === words.offline || note.textContent === words.refused) { note.textContent = ""; }
      if (outbox.idle()) { load(); }
    });

  var dialog = document.getElementById("om-unit-dialog");
  var form = document.getElementById("om-unit-dialog-form");
  var input = document.getElementById("om-unit-note-input");
  var asking = null;

  function answer(orderId, status) {
    if (machine.closed.indexOf(status) < 0) { outbox.add(orderId, status, ""); return; }
    asking = {order_id: orderId, status: status};  // Clear and Decline: say why first
    var what = status === "cleared" ? words.disposition : words.reason;
    document.getElementById("om-unit-dialog-title").textContent = what;
    input.setAttribute("list", cfg.notes[status] || "");
    input.value = "";
    dialog.showModal();
    input.focus();
  }

  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var value = input.value.replace(/\s+/g, " ").trim();
    if (!value || !asking) { return; }
    dialog.close();
    outbox.add(asking.order_id, asking.status, value);
    asking = null;
  });
  document.getElementById("om-unit-dialog-cancel").addEventListener("click", function () {
    asking = null;
    dialog.close();
  });

  /* --- help, position, catch-up ----------------------------------------------------------- */
  document.getElementById("om-unit-help").addEventListener("click", function () {
    post("/unit/help" + lang)
      .then(function (r) { note.textContent = r.ok ? words.help_sent : words.help_failed; })
      .catch(function () { note.textContent = words.help_failed; });
  });

  if (window.OMUnitGeo) {
    window.OMUnitGeo.create(cfg.unit, document.getElementById("om-unit-share"),
                            document.getElementById("om-unit-position"), words, cfg.lang);
  }

  function sync() {
    outbox.flush();
    return load();
  }

  if (window.io) {
    var socket = window.io("/unit", {path: "/socket.io"});
    socket.on("connect", sync);
    socket.on("disconnect", function () { note.textContent = words.offline; });
    socket.on("order", function () { load(); });
  }
  window.addEventListener("online", sync);
  document.addEventListener("visibilitychange", function () { if (!document.hidden) { sync(); } });
  showQueued(outbox.pending());
  sync();
  window.setInterval(sync, 15000);
})();
