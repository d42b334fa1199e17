// Keeps the bell's unread count current: a light poll every minute while
// the page is visible. Without it, the count is as of the page's load.
(function () {
  "use strict";
  var bell = document.querySelector('[data-testid="bell"]');
  if (!bell || !window.fetch) {
    return;
  }
  var count = bell.querySelector('[data-testid="unread"]');
  function update() {
    if (document.visibilityState !== "visible") {
      return;
    }
    fetch(bell.getAttribute("data-count-url"), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (d) {
        if (!d) {
          return;
        }
        count.textContent = String(d.unread);
        count.hidden = d.unread === 0;
        bell.setAttribute("aria-label", d.unread === 0 ? "Notifications, none unread" : "Notifications, " + d.unread + " unread");
      })
      .catch(function () {});
  }
  setInterval(update, 60000);
  document.addEventListener("visibilitychange", update);
})();
