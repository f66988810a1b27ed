/* OneMap wall: its lists show whole items. After every change of a list's items or of its size,
 * the items from the first one that would not fit entirely in the list's box on are hidden
 * (class om-cut), so the newest alerts read whole and nothing is cut in half at the bottom. */
(function () {
  "use strict";
  var OM = (window.onemap = window.onemap || {});
  var LISTS = ["om-wall-ticker"];
  var watched = new Map(); // list id -> element being observed

  function fit(list) {
    var items = Array.prototype.slice.call(list.children);
    items.forEach(function (it) { it.classList.remove("om-cut"); });
    var bottom = list.getBoundingClientRect().bottom, full = false, shown = 0;
    items.forEach(function (it) {
      if (!full && it.getBoundingClientRect().bottom > bottom + 0.5) full = true;
      if (full) it.classList.add("om-cut"); else shown++;
    });
    list.setAttribute("data-fit", items.length + ":" + shown);
  }
  OM.fitList = fit;

  function watch() {
    LISTS.forEach(function (id) {
      var el = document.getElementById(id);
      if (!el || watched.get(id) === el) return;
      watched.set(id, el);
      new MutationObserver(function () { fit(el); }).observe(el, {childList: true, subtree: true, characterData: true});
      if (window.ResizeObserver) new ResizeObserver(function () { fit(el); }).observe(el);
      fit(el);
    });
  }
  setInterval(watch, 500); // the wall's layout is rendered by Dash after this script runs
  watch();
})();
