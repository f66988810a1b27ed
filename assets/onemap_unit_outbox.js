/* The unit terminal's outbox: answers wait in localStorage (per unit) until the server has them,
 * so a car that drives through a dead spot loses none. They go one at a time, in the order they
 * were given; a failure of the network or of the server (5xx, 429) keeps the answer and tries
 * again after 1, 2, 4 ... 30 s (and at once when the page asks: back online, socket reconnected).
 * `send(item)` resolves with "done" or "refused" (then the answer leaves the outbox) or rejects
 * (then it stays). `apply()` shows the orders as they will be once the outbox is delivered. Dash
 * loads every asset on its own pages too: this file does nothing unless the page is #om-unit. */
(function () {
  "use strict";
  if (!document.getElementById("om-unit")) { return; }
  var FIRST_WAIT_MS = 1000;
  var MAX_WAIT_MS = 30000;

  function create(unit, send, onChange, onSettled) {
    var key = "onemap.unit." + unit + ".outbox";
    var memory = [];  // when localStorage is unavailable (a private window with no quota)
    var busy = false, wait = FIRST_WAIT_MS, timer = null;

    function read() {
      try {
        var q = JSON.parse(window.localStorage.getItem(key) || "[]");
        return Array.isArray(q) ? q : [];
      } catch (e) { return memory.slice(); }
    }

    function write(q) {
      memory = q.slice();
      try { window.localStorage.setItem(key, JSON.stringify(q)); } catch (e) { /* memory keeps it */ }
      onChange(q);
    }

    function add(orderId, status, note) {
      var q = read();
      q.push({id: Date.now().toString(36) + Math.random().toString(36).slice(2, 8), order_id: orderId,
              status: status, note: note || ""});
      write(q);
      flush();
    }

    function drop(item) {
      write(read().filter(function (x) { return x.id !== item.id; }));
    }

    function flush() {
      if (busy) { return; }
      var q = read();
      if (!q.length) { wait = FIRST_WAIT_MS; return; }
      if (timer) { window.clearTimeout(timer); timer = null; }
      busy = true;
      var item = q[0];
      send(item).then(function (outcome) {
        busy = false;
        wait = FIRST_WAIT_MS;
        drop(item);
        onSettled(item, outcome);
        flush();
      }, function () {
        busy = false;
        timer = window.setTimeout(function () { timer = null; flush(); }, wait);
        wait = Math.min(wait * 2, MAX_WAIT_MS);
      });
    }

    return {add: add, flush: flush, pending: read, idle: function () { return !busy && !read().length; }};
  }

  /* The orders with the pending answers applied in order (an answer the status no longer allows
   * is already delivered and skipped); an order a pending answer closes is left out. */
  function apply(orders, pending, machine) {
    return orders.map(function (o) {
      var status = o.status, queued = 0;
      pending.forEach(function (a) {
        if (a.order_id !== o.order_id) { return; }
        var allowed = (machine.buttons[status] || []).some(function (b) { return b.status === a.status; });
        if (allowed) { status = a.status; queued += 1; }
      });
      if (!queued) { return o; }
      return Object.assign({}, o, {status: status, status_text: machine.status_text[status] || status,
                                   buttons: machine.buttons[status] || [], queued: queued});
    }).filter(function (o) { return machine.closed.indexOf(o.status) < 0; });
  }

  window.OMUnitOutbox = {create: create, apply: apply};
})();
