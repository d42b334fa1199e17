// Upward course player for SCORM. Finds the LMS's runtime API (API for
// SCORM 1.2, API_1484_11 for SCORM 2004), restores the learner's place and
// answers, shows one lesson at a time, marks quizzes by Upward's rules, and
// reports completion and score. Without an API it runs as a preview.
(function () {
  "use strict";

  var body = document.body;
  var is2004 = body.getAttribute("data-target") === "scorm2004";
  var suspendLimit = Number(body.getAttribute("data-suspend-limit"));
  var scored = body.hasAttribute("data-pass-mark");
  var passMark = Number(body.getAttribute("data-pass-mark") || 0);
  var sections = Array.prototype.slice.call(document.querySelectorAll("section.lesson"));
  var keys = sections.map(function (s) { return s.getAttribute("data-lesson"); });
  var quizForms = Array.prototype.slice.call(document.querySelectorAll("form[data-quiz]"));
  var checklists = Array.prototype.slice.call(document.querySelectorAll("fieldset[data-checklist]"));
  var reflections = Array.prototype.slice.call(document.querySelectorAll("textarea[data-reflection]"));

  // ---- The LMS ----

  // findAPI walks up the frames that hold this one, as the SCORM runtime
  // specifications describe; a frame of another origin is passed over.
  function findAPI(win, name) {
    for (var tries = 0; win && tries < 500; tries++) {
      try {
        if (win[name]) { return win[name]; }
      } catch (e) { /* a frame of another origin */ }
      if (!win.parent || win.parent === win) { break; }
      win = win.parent;
    }
    return null;
  }

  function locateAPI(name) {
    var api = findAPI(window, name);
    try {
      if (!api && window.opener) { api = findAPI(window.opener, name); }
      if (!api && window.top && window.top.opener) { api = findAPI(window.top.opener, name); }
    } catch (e) { /* an opener of another origin */ }
    return api;
  }

  var api = locateAPI(is2004 ? "API_1484_11" : "API");
  var lms = null;
  if (api) {
    lms = is2004 ? {
      init: function () { return api.Initialize(""); },
      get: function (k) { return api.GetValue(k); },
      set: function (k, v) { return api.SetValue(k, String(v)); },
      commit: function () { return api.Commit(""); },
      finish: function () { return api.Terminate(""); }
    } : {
      init: function () { return api.LMSInitialize(""); },
      get: function (k) { return api.LMSGetValue(k); },
      set: function (k, v) { return api.LMSSetValue(k, String(v)); },
      commit: function () { return api.LMSCommit(""); },
      finish: function () { return api.LMSFinish(""); }
    };
    if (String(lms.init()) !== "true") { lms = null; }
  }
  var field = is2004 ? {
    location: "cmi.location", suspend: "cmi.suspend_data", exit: "cmi.exit", session: "cmi.session_time"
  } : {
    location: "cmi.core.lesson_location", suspend: "cmi.suspend_data", exit: "cmi.core.exit", session: "cmi.core.session_time"
  };
  var started = Date.now();
  var terminated = false;

  var lmsStatus = document.getElementById("lms-status");
  lmsStatus.textContent = lms
    ? "Connected to your learning platform: your progress is saved."
    : "Preview: no learning platform was found, so your progress is not saved.";
  lmsStatus.setAttribute("data-connected", lms ? "yes" : "no");

  function get(k) { return lms ? String(lms.get(k) || "") : ""; }
  function set(k, v) { if (lms) { lms.set(k, v); } }
  function commit() { if (lms) { lms.commit(); } }

  // ---- The learner's state, and its compact form in suspend_data ----

  var state = {
    visited: keys.map(function () { return false; }),
    quizzes: quizForms.map(function () { return null; }), // {n: attempts, a: [[option]...]}
    checklists: checklists.map(function () { return []; }),
    reflections: reflections.map(function () { return ""; })
  };

  // Bits are written five to a base-32 character.
  function bitsOut(bits) {
    var s = "";
    for (var i = 0; i < bits.length; i += 5) {
      var n = 0;
      for (var j = 0; j < 5; j++) { if (bits[i + j]) { n |= 1 << j; } }
      s += n.toString(32);
    }
    return s.replace(/0+$/, "");
  }
  function bitsIn(s, length) {
    var bits = [];
    for (var i = 0; i < length; i++) {
      var c = parseInt(s.charAt(Math.floor(i / 5)) || "0", 32);
      bits.push(!!(c & (1 << (i % 5))));
    }
    return bits;
  }
  function optionsOut(chosen) {
    var n = 0;
    chosen.forEach(function (o) { n |= 1 << o; });
    return n.toString(36);
  }
  function optionsIn(s) {
    var n = parseInt(s, 36) || 0, out = [];
    for (var i = 0; i < 31; i++) { if (n & (1 << i)) { out.push(i); } }
    return out;
  }

  // encode writes [version, visited, quizzes, checklists, reflections].
  function encode() {
    return JSON.stringify([1,
      bitsOut(state.visited),
      state.quizzes.map(function (q) { return q ? [q.n, q.a.map(optionsOut).join(".")] : 0; }),
      state.checklists.map(bitsOut),
      state.reflections
    ]);
  }

  function decode(s) {
    var d;
    try { d = JSON.parse(s); } catch (e) { return; }
    if (!Array.isArray(d) || d[0] !== 1) { return; }
    if (typeof d[1] === "string") { state.visited = bitsIn(d[1], keys.length); }
    (Array.isArray(d[2]) ? d[2] : []).forEach(function (q, i) {
      if (i >= quizForms.length || !Array.isArray(q)) { return; }
      var answers = String(q[1]).split(".").map(optionsIn);
      if (answers.length !== questionsOf(quizForms[i]).length) { return; }
      state.quizzes[i] = { n: Number(q[0]) || 1, a: answers };
    });
    (Array.isArray(d[3]) ? d[3] : []).forEach(function (c, i) {
      if (i < checklists.length) { state.checklists[i] = bitsIn(String(c), itemsOf(checklists[i]).length); }
    });
    (Array.isArray(d[4]) ? d[4] : []).forEach(function (r, i) {
      if (i < reflections.length) { state.reflections[i] = String(r); }
    });
  }

  var saveStatus = document.getElementById("save-status");
  function save() {
    var data = encode();
    if (data.length > suspendLimit) {
      // The LMS would refuse it: say so rather than lose answers silently.
      saveStatus.textContent = "Your answers are too long for this learning platform to keep (" + data.length +
        " characters of " + suspendLimit + "): shorten a reflection so that your progress can be saved.";
      saveStatus.hidden = false;
      return;
    }
    saveStatus.hidden = true;
    set(field.suspend, data);
  }

  // ---- Quizzes, marked as Upward marks them ----

  function questionsOf(form) { return Array.prototype.slice.call(form.querySelectorAll("fieldset[data-question]")); }
  function itemsOf(fs) { return Array.prototype.slice.call(fs.querySelectorAll("input[type=checkbox]")); }
  function answerOf(fs) {
    var a = fs.getAttribute("data-answer");
    return a === "" ? [] : a.split(",").map(Number);
  }

  // mark scores answers: a question is right when exactly its correct
  // options were chosen; the score is the percentage right, rounded down.
  function mark(form, answers) {
    var qs = questionsOf(form), right = 0;
    var correct = qs.map(function (fs, i) {
      var want = answerOf(fs).sort(), got = answers[i].slice().sort();
      var ok = want.length === got.length && want.every(function (w, j) { return w === got[j]; });
      if (ok) { right++; }
      return ok;
    });
    var score = qs.length ? Math.floor(right * 100 / qs.length) : 0;
    return { right: right, total: qs.length, score: score, correct: correct,
      passed: score >= Number(form.getAttribute("data-pass-mark")) };
  }

  function attemptsLeft(form, used) {
    var allowed = Number(form.getAttribute("data-attempts"));
    return allowed === 0 ? Infinity : Math.max(0, allowed - used);
  }

  function showQuiz(i) {
    var form = quizForms[i], q = state.quizzes[i];
    var section = form.parentNode;
    var result = section.querySelector("[data-quiz-result]");
    var retry = section.querySelector("[data-retry]");
    var qs = questionsOf(form);
    form.querySelector("[data-quiz-error]").hidden = true;
    if (!q || q.retrying) {
      Array.prototype.forEach.call(form.querySelectorAll("input"), function (inp) { inp.disabled = false; inp.checked = false; });
      form.querySelectorAll("[data-feedback], [data-verdict], [data-explanation], .right-answer").forEach(function (el) {
        if (el.classList.contains("right-answer")) { el.parentNode.removeChild(el); } else { el.hidden = true; }
      });
      form.querySelector("[data-submit]").hidden = false;
      result.textContent = "";
      retry.hidden = true;
      return;
    }
    var m = mark(form, q.a);
    var left = attemptsLeft(form, q.n);
    var reveal = m.passed || left === 0;
    qs.forEach(function (fs, qi) {
      var want = answerOf(fs);
      Array.prototype.forEach.call(fs.querySelectorAll("input"), function (inp) {
        var o = Number(inp.value);
        inp.checked = q.a[qi].indexOf(o) >= 0;
        inp.disabled = true;
        var fb = inp.parentNode.querySelector("[data-feedback]");
        if (fb) { fb.hidden = !inp.checked; }
        var badge = inp.parentNode.querySelector(".right-answer");
        if (reveal && want.indexOf(o) >= 0 && !badge) {
          badge = document.createElement("span");
          badge.className = "badge right-answer";
          badge.textContent = "right answer";
          inp.parentNode.querySelector("label").appendChild(badge);
        }
      });
      var verdict = fs.querySelector("[data-verdict]");
      verdict.textContent = m.correct[qi] ? "Right." : "Not quite.";
      verdict.className = "verdict " + (m.correct[qi] ? "right" : "wrong");
      verdict.hidden = false;
      var ex = fs.querySelector("[data-explanation]");
      if (ex) { ex.hidden = false; }
    });
    form.querySelector("[data-submit]").hidden = true;
    var pm = Number(form.getAttribute("data-pass-mark"));
    result.textContent = m.passed
      ? "You passed with " + m.score + "%."
      : "You scored " + m.score + "%; the pass mark is " + pm + "%." +
        (left === 0 ? " No attempts left." : left === Infinity ? "" : " " + left + (left === 1 ? " attempt" : " attempts") + " left.");
    result.className = "quiz-result " + (m.passed ? "passed" : "failed");
    retry.hidden = m.passed || left === 0;
  }

  quizForms.forEach(function (form, i) {
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var q = state.quizzes[i];
      if (q && !q.retrying) { return; }
      var answers = [];
      var missing = -1;
      questionsOf(form).forEach(function (fs, qi) {
        var chosen = [];
        Array.prototype.forEach.call(fs.querySelectorAll("input"), function (inp) {
          if (inp.checked) { chosen.push(Number(inp.value)); }
        });
        if (!chosen.length && missing < 0) { missing = qi; }
        answers.push(chosen);
      });
      if (missing >= 0) {
        var err = form.querySelector("[data-quiz-error]");
        err.textContent = "Answer question " + (missing + 1) + ".";
        err.hidden = false;
        return;
      }
      state.quizzes[i] = { n: (q ? q.n : 0) + 1, a: answers };
      showQuiz(i);
      save();
      report();
      commit();
    });
    form.parentNode.querySelector("[data-retry]").addEventListener("click", function () {
      var q = state.quizzes[i];
      if (!q || attemptsLeft(form, q.n) === 0) { return; }
      q.retrying = true;
      showQuiz(i);
      form.querySelector("input").focus();
    });
  });

  // courseScore takes the course's quizzes as one test: the percentage of
  // all their questions answered right, once every quiz is answered.
  function courseScore() {
    if (!scored) { return null; }
    var right = 0, total = 0;
    for (var i = 0; i < quizForms.length; i++) {
      var q = state.quizzes[i];
      if (!q) { return null; }
      var m = mark(quizForms[i], q.a);
      right += m.right;
      total += m.total;
    }
    if (!total) { return null; }
    var score = Math.floor(right * 100 / total);
    return { score: score, passed: score >= passMark };
  }

  // ---- Reflections and action plans ----

  reflections.forEach(function (ta, i) {
    ta.addEventListener("input", function () { state.reflections[i] = ta.value; save(); });
    ta.addEventListener("change", function () { state.reflections[i] = ta.value; save(); commit(); });
  });
  checklists.forEach(function (fs, i) {
    itemsOf(fs).forEach(function (box, j) {
      box.addEventListener("change", function () {
        state.checklists[i][j] = box.checked;
        save();
        commit();
      });
    });
  });

  // ---- Lessons, progress and reporting ----

  var current = -1;
  var progress = document.querySelector("[data-testid=progress]");

  function visitedCount() { return state.visited.filter(Boolean).length; }

  function report() {
    var done = visitedCount() === keys.length;
    var cs = courseScore();
    progress.textContent = visitedCount() + " of " + keys.length + " lessons visited" +
      (cs ? "; course score " + cs.score + "%" + (cs.passed ? " (passed)" : " (pass mark " + passMark + "%)") : "") + ".";
    if (is2004) {
      set("cmi.completion_status", done ? "completed" : "incomplete");
      set("cmi.progress_measure", keys.length ? (visitedCount() / keys.length).toFixed(4) : "1");
      if (cs) {
        set("cmi.score.min", "0");
        set("cmi.score.max", "100");
        set("cmi.score.raw", cs.score);
        set("cmi.score.scaled", cs.score / 100);
        set("cmi.success_status", cs.passed ? "passed" : "failed");
      }
    } else {
      if (cs) {
        set("cmi.core.score.min", "0");
        set("cmi.core.score.max", "100");
        set("cmi.core.score.raw", cs.score);
      }
      // SCORM 1.2 has one status: a course with quizzes is passed or
      // failed once they are all answered and every lesson is visited.
      var status = "incomplete";
      if (done && !scored) { status = "completed"; }
      if (done && cs) { status = cs.passed ? "passed" : "failed"; }
      set("cmi.core.lesson_status", status);
    }
  }

  function show(i, focus) {
    if (i < 0 || i >= keys.length) { return; }
    current = i;
    sections.forEach(function (s, j) { s.hidden = j !== i; });
    state.visited[i] = true;
    document.querySelectorAll("[data-lesson-link]").forEach(function (a) {
      if (a.getAttribute("data-lesson-link") === keys[i]) { a.setAttribute("aria-current", "page"); } else { a.removeAttribute("aria-current"); }
    });
    keys.forEach(function (k, j) {
      var m = document.querySelector('[data-visited-mark="' + k + '"]');
      if (m) { m.hidden = !state.visited[j]; }
    });
    if (focus) { sections[i].querySelector("h2").focus(); }
    set(field.location, keys[i]);
    save();
    report();
    set(field.session, sessionTime());
    commit();
  }

  function lessonFromHash() {
    var h = decodeURIComponent(location.hash.replace(/^#lesson-/, ""));
    return keys.indexOf(h);
  }

  window.addEventListener("hashchange", function () {
    var i = lessonFromHash();
    if (i >= 0 && i !== current) { show(i, true); }
  });

  function pad(n, w) { var s = String(n); while (s.length < w) { s = "0" + s; } return s; }
  function sessionTime() {
    var cs = Math.round((Date.now() - started) / 10); // hundredths of a second
    var h = Math.floor(cs / 360000), m = Math.floor(cs / 6000) % 60, s = (cs % 6000) / 100;
    if (is2004) { return "PT" + h + "H" + m + "M" + s.toFixed(2) + "S"; }
    return pad(Math.min(h, 9999), 2) + ":" + pad(m, 2) + ":" + pad(s.toFixed(2), 5);
  }

  function finish() {
    if (!lms || terminated) { return; }
    terminated = true;
    var cs = courseScore();
    // The learner comes back to their place unless the course is done:
    // then the LMS may start the next attempt clean.
    var finished = visitedCount() === keys.length && (!scored || cs !== null);
    set(field.session, sessionTime());
    set(field.exit, finished ? (is2004 ? "normal" : "") : "suspend");
    commit();
    lms.finish();
  }
  window.addEventListener("pagehide", finish);
  window.addEventListener("beforeunload", finish);

  // ---- Start: restore, then show the lesson asked for or left ----

  decode(get(field.suspend));
  checklists.forEach(function (fs, i) {
    itemsOf(fs).forEach(function (box, j) { box.checked = !!state.checklists[i][j]; });
  });
  reflections.forEach(function (ta, i) { ta.value = state.reflections[i]; });
  quizForms.forEach(function (f, i) { showQuiz(i); });
  var start = lessonFromHash();
  if (start < 0) { start = keys.indexOf(get(field.location)); }
  show(start < 0 ? 0 : start, false);
})();
