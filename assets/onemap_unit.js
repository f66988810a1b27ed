/* The unit terminal /unit (see web/unit.py and web/unitpage.py). Dash loads every asset on its
 * own pages too: this script does nothing unless the page has #om-unit.
 * It fetches the unit's open orders (GET /unit/orders), draws them with the buttons their status
 * allows, posts answers and the emergency button with the CSRF token of the page, and fetches
 * again when the unit's Socket.IO room (namespace /unit) says an order arrived, on every
 * (re)connect, and every 15 s in case a push was missed. */
(function () {
  "use strict";
  var root = document.getElementById("om-unit");
  if (!root) { return; }
  var cfg = JSON.parse(root.getAttribute("data-config") || "{}");
  var words = cfg.text || {};
  var list = document.getElementById("om-unit-orders");
  var note = document.getElementById("om-unit-note");
  var token = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";
  var lang = "?lang=" + encodeURIComponent(cfg.lang || "zh");

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined) { e.textContent = text; }
    return e;
  }

  function render(orders) {
    list.textContent = "";
    if (!orders.length) { list.appendChild(el("p", "om-unit-none", words.none)); return; }
    orders.forEach(function (o) {
      var card = el("section", "om-unit-order");
      card.setAttribute("data-order-id", o.order_id);
      card.setAttribute("data-status", o.status);
      card.appendChild(el("p", "om-unit-text", o.text));
      card.appendChild(el("p", "om-unit-where", words.go_to + ": " + o.where));
      card.appendChild(el("p", "om-unit-status", words.status + ": " + o.status_text));
      var row = el("div", "om-unit-buttons");
      o.buttons.forEach(function (b) {
        var button = el("button", "", b.label);
        button.type = "button";
        button.setAttribute("data-status", b.status);
        button.addEventListener("click", function () { answer(o.order_id, b.status); });
        row.appendChild(button);
      });
      card.appendChild(row);
      list.appendChild(card);
    });
  }

  function post(url, body) {
    return fetch(url, {method: "POST", credentials: "same-origin", body: JSON.stringify(body || {}),
                       headers: {"Content-Type": "application/json", "X-CSRFToken": token}});
  }

  function load() {
    return fetch("/unit/orders" + lang, {credentials: "same-origin"})
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
      .then(render)
      .catch(function () { note.textContent = words.offline; });
  }

  function answer(orderId, status) {
    post("/unit/orders/" + encodeURIComponent(orderId) + "/ack" + lang, {status: status})
      .then(function (r) {
        if (r.ok) { note.textContent = ""; return r.json().then(render); }
        note.textContent = words.refused;
        return load();
      })
      .catch(function () { note.textContent = words.offline; });
  }

  document.getElementById("om-unit-help").addEventListener("click", function () {
    post("/unit/help" + lang)
      .then(function (r) { note.textContent = r.ok ? words.help_sent : words.help_failed; })
      .catch(function () { note.textContent = words.help_failed; });
  });

  if (window.io) {
    var socket = window.io("/unit", {path: "/socket.io"});
    socket.on("connect", function () { if (note.textContent === words.offline) { note.textContent = ""; } load(); });
    socket.on("disconnect", function () { note.textContent = words.offline; });
    socket.on("order", function () { load(); });
  }
  load();
  window.setInterval(load, 15000);
})();
