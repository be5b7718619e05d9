// Fleet console auto-refresh (our own, no library): every data-refresh-s seconds, fetch this
// page again and swap in its <main>; a page that now answers with the login form (session
// over) is loaded whole. Pauses while a form field has the focus.
(function () {
  "use strict";
  var seconds = parseFloat(document.body.getAttribute("data-refresh-s")) || 15;
  function busy() {
    var el = document.activeElement;
    return el && (el.tagName === "SELECT" || el.tagName === "INPUT");
  }
  function refresh() {
    if (busy()) { return schedule(); }
    fetch(window.location.href, { credentials: "same-origin", cache: "no-store" }).then(function (r) {
      if (r.redirected && r.url.indexOf("/console/login") !== -1) { window.location.reload(); return null; }
      return r.ok ? r.text() : null;
    }).then(function (html) {
      if (html === null || html === undefined) { return; }
      var page = new DOMParser().parseFromString(html, "text/html");
      var fresh = page.getElementById("content"), now = page.getElementById("now");
      if (fresh) { document.getElementById("content").replaceWith(fresh); }
      if (now) { document.getElementById("now").replaceWith(now); }
      document.body.setAttribute("data-refreshed", String(Date.now()));
    }).catch(function () {}).then(schedule);
  }
  function schedule() { window.setTimeout(refresh, seconds * 1000); }
  schedule();
}());
