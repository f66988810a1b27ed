/* CSRF for the page's own POSTs (see web/auth.py).
 * Dash's callback requests (POST /_dash-update-component) go through window.fetch: every
 * same-origin POST gets the X-CSRFToken header, read from the csrf_token cookie the page was
 * served with. A form posted to this origin (sign-out) gets the token in its csrf_token field. */
(function () {
  "use strict";
  function token() {
    var m = document.cookie.match(/(?:^|;\s*)csrf_token=([^;]*)/);
    return m ? decodeURIComponent(m[1]) : "";
  }
  function sameOrigin(url) {
    try { return new URL(url, window.location.href).origin === window.location.origin; } catch (e) { return false; }
  }
  var original = window.fetch;
  window.fetch = function (input, init) {
    var url = typeof input === "string" ? input : (input && input.url) || "";
    var method = ((init && init.method) || (input && input.method) || "GET").toUpperCase();
    if (method !== "GET" && method !== "HEAD" && sameOrigin(url)) {
      init = Object.assign({}, init || {});
      var headers = new Headers(init.headers || (typeof input !== "string" && input.headers) || {});
      headers.set("X-CSRFToken", token());
      init.headers = headers;
    }
    return original.call(this, input, init);
  };
  document.addEventListener("submit", function (ev) {
    var form = ev.target;
    if (form && form.method && form.method.toLowerCase() === "post" && form.elements.csrf_token) {
      form.elements.csrf_token.value = token();
    }
  }, true);
})();
