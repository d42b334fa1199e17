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

// Quizzes of the second edition.
// - Branching: the first decision is confirmed with a button (arrow keys
//   move through radios, so a change is not yet a decision); then its
//   consequence and second decision show and the other first choices are
//   locked: the learner lives with it, as in the story. Without a script
//   the consequence shows as soon as an option is checked.
// - Ordering: giving a step a place another step holds swaps the two, so
//   the places stay a proper order.
(function () {
  "use strict";
  document.querySelectorAll("fieldset.branching").forEach(function (set) {
    var firsts = Array.prototype.slice.call(set.querySelectorAll(":scope > .branch > input[type=radio]"));
    function decide(chosen, focus) {
      firsts.forEach(function (r) { r.disabled = r !== chosen; });
      chosen.parentElement.classList.add("decided");
      button.remove();
      var then = chosen.parentElement.querySelector(".branch-then input");
      if (focus && then) then.focus();
    }
    var button = document.createElement("button");
    button.type = "button";
    button.className = "secondary decide";
    button.textContent = "Make this decision";
    button.addEventListener("click", function () {
      var chosen = firsts.filter(function (r) { return r.checked; })[0];
      if (!chosen) { button.textContent = "Choose an option first"; return; }
      decide(chosen, true);
    });
    set.appendChild(button);
    set.classList.add("js-decide");
    var already = firsts.filter(function (r) { return r.checked; })[0];
    if (already) decide(already, false);
  });
  document.querySelectorAll("fieldset.ordering").forEach(function (set) {
    var selects = set.querySelectorAll("select");
    selects.forEach(function (sel) {
      var before = sel.value;
      sel.addEventListener("focus", function () { before = sel.value; });
      sel.addEventListener("change", function () {
        selects.forEach(function (other) {
          if (other !== sel && other.value && other.value === sel.value) other.value = before;
        });
        before = sel.value;
      });
    });
  });
})();
