// Drag and drop in the lesson editor, as a progressive enhancement: the
// Up and Down buttons do the same without JavaScript and from the keyboard.
// A drop posts the move like those buttons do, then shows the saved order.
(function () {
  "use strict";
  if (typeof Sortable === "undefined") return;
  document.querySelectorAll("[data-sortable]").forEach(function (list) {
    Sortable.create(list, {
      group: list.dataset.group || undefined, // lists of one group share items
      handle: list.dataset.handle || ".drag-handle",
      forceFallback: true, // pointer events: the same in every browser, and testable
      animation: 150,
      onEnd: function (ev) {
        if (ev.from === ev.to && ev.oldIndex === ev.newIndex) return;
        var body = new FormData();
        body.set("to", String(ev.newIndex));
        if (ev.to.dataset.parent) body.set("parent", ev.to.dataset.parent);
        body.set("revision", list.dataset.revision);
        body.set("csrf_token", list.dataset.csrf);
        list.setAttribute("aria-busy", "true");
        fetch(ev.item.dataset.moveUrl, { method: "POST", body: body, credentials: "same-origin" })
          .then(function () { window.location.reload(); });
      },
    });
  });
})();
