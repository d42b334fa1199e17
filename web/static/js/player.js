// The course player's small enhancements; every form works without them.
// - Heartbeats: while the lesson is open and visible, tell the server every
//   30 seconds, so time spent is measured (the server caps each beat).
// - Autosave: reflections and action plans save as the learner types or
//   ticks, with a quiet "Saved" note.
(function () {
  "use strict";
  var player = document.querySelector(".player[data-beat-url]");
  if (!player) return;
  var csrf = player.dataset.csrf;

  function post(url, body) {
    return fetch(url, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-CSRF-Token": csrf, "X-Requested-With": "fetch" },
    });
  }

  function beat() {
    if (document.visibilityState === "visible") post(player.dataset.beatUrl, new FormData());
  }
  beat();
  setInterval(beat, 30000);

  document.querySelectorAll("form[data-autosave]").forEach(function (form) {
    var status = form.querySelector("[data-save-status]");
    var timer = null;
    function save() {
      timer = null;
      var text = form.querySelector("textarea[name=text]");
      if (text && !text.value.trim()) {
        if (status) status.textContent = "Write your answer to save it";
        return;
      }
      if (status) status.textContent = "Saving…";
      post(form.action, new FormData(form)).then(function (res) {
        if (status) status.textContent = res.ok ? "Saved" : "Not saved: use the Save button";
      }, function () {
        if (status) status.textContent = "Not saved: check your connection";
      });
    }
    function later() {
      if (timer) clearTimeout(timer);
      timer = setTimeout(save, 800);
    }
    form.addEventListener("input", later);
    form.addEventListener("change", later);
  });
})();

// Full screen for SCORM content: the button shows only where the browser
// can do it, and puts the activity's section (the frame) on the whole screen.
(function () {
  "use strict";
  if (!document.fullscreenEnabled) return;
  document.querySelectorAll("[data-fullscreen]").forEach(function (button) {
    var section = button.closest(".sco");
    button.hidden = false;
    button.addEventListener("click", function () {
      if (document.fullscreenElement) document.exitFullscreen();
      else section.requestFullscreen();
    });
  });
})();
