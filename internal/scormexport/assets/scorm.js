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
  var writings = Array.prototype.slice.call(document.querySelectorAll("section[data-writing]"));

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
    reflections: reflections.map(function () { return ""; }),
    writings: writings.map(function () { return ["", ""]; }) // [draft, ratings: one of y, p, n or - each]
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
  // An answer is kept as a base-36 bit set of the options chosen; an
  // ordering question's as "p" and each step's place, a branching
  // question's as "b" and its two decisions, a digit each.
  function answerOut(kind, chosen) {
    if (kind === "ordering") { return "p" + chosen.map(function (p) { return p.toString(36); }).join(""); }
    if (kind === "branching") { return "b" + chosen.map(function (p) { return p.toString(36); }).join(""); }
    return optionsOut(chosen);
  }
  function answerIn(s) {
    s = String(s);
    if (s.charAt(0) === "p" || s.charAt(0) === "b") {
      return s.slice(1).split("").map(function (c) { return parseInt(c, 36); });
    }
    return optionsIn(s);
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

  // encode writes [version, visited, quizzes, checklists, reflections,
  // writing].
  function encode() {
    return JSON.stringify([1,
      bitsOut(state.visited),
      state.quizzes.map(function (q, i) {
        var kinds = questionsOf(quizForms[i]).map(kindOf);
        return q ? [q.n, q.a.map(function (a, j) { return answerOut(kinds[j], a); }).join(".")] : 0;
      }),
      state.checklists.map(bitsOut),
      state.reflections,
      state.writings
    ]);
  }

  function decode(s) {
    var d;
    try { d = JSON.parse(s); } catch (e) { return; }
    if (!Array.isArray(d) || d[0] !== 1) { return; }
    if (typeof d[1] === "string") { state.visited = bitsIn(d[1], keys.length); }
    (Array.isArray(d[2]) ? d[2] : []).forEach(function (q, i) {
      if (i >= quizForms.length || !Array.isArray(q)) { return; }
      var answers = String(q[1]).split(".").map(answerIn);
      if (answers.length !== questionsOf(quizForms[i]).length) { return; }
      state.quizzes[i] = { n: Number(q[0]) || 1, a: answers };
    });
    (Array.isArray(d[3]) ? d[3] : []).forEach(function (c, i) {
      if (i < checklists.length) { state.checklists[i] = bitsIn(String(c), itemsOf(checklists[i]).length); }
    });
    (Array.isArray(d[4]) ? d[4] : []).forEach(function (r, i) {
      if (i < reflections.length) { state.reflections[i] = String(r); }
    });
    (Array.isArray(d[5]) ? d[5] : []).forEach(function (w, i) {
      if (i < writings.length && Array.isArray(w)) { state.writings[i] = [String(w[0] || ""), String(w[1] || "")]; }
    });
  }

  var saveStatus = document.getElementById("save-status");
  function save() {
    var data = encode();
    if (data.length > suspendLimit) {
      // The LMS would refuse it: say so rather than lose answers silently.
      saveStatus.textContent = "Your answers are too long for this learning platform to keep (" + data.length +
        " characters of " + suspendLimit + "): shorten a reflection or a draft so that your progress can be saved.";
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
  function kindOf(fs) { return fs.getAttribute("data-kind"); }
  function thenOf(fs, first) { return fs.querySelector('[data-then="' + first + '"]'); }

  // marksOf is what an answer earns, as Upward marks it: a choice question
  // one mark when exactly its correct options were chosen; an ordering
  // question one when every step is in its place; a branching question a
  // mark for each decision that took the right option.
  function marksOf(fs, got) {
    var kind = kindOf(fs);
    if (kind === "ordering") {
      return [got.every(function (p, i) { return p === i; }) ? 1 : 0, 1];
    }
    if (kind === "branching") {
      var then = thenOf(fs, got[0]);
      var m = (answerOf(fs)[0] === got[0] ? 1 : 0) + (then && Number(then.getAttribute("data-then-answer")) === got[1] ? 1 : 0);
      return [m, 2];
    }
    var want = answerOf(fs).sort(), sorted = got.slice().sort();
    return [want.length === sorted.length && want.every(function (w, j) { return w === sorted[j]; }) ? 1 : 0, 1];
  }

  // mark scores answers: the score is the percentage of the marks earned,
  // rounded down.
  function mark(form, answers) {
    var qs = questionsOf(form), right = 0, total = 0;
    var marks = qs.map(function (fs, i) {
      var m = marksOf(fs, answers[i]);
      right += m[0];
      total += m[1];
      return m;
    });
    var score = total ? Math.floor(right * 100 / total) : 0;
    return { right: right, total: total, score: score, marks: marks,
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
      Array.prototype.forEach.call(form.querySelectorAll("select"), function (sel) { sel.disabled = false; sel.value = ""; });
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
      var kind = kindOf(fs), got = q.a[qi];
      function badge(label, text) {
        var b = document.createElement("span");
        b.className = "badge right-answer";
        b.textContent = text;
        label.appendChild(b);
      }
      if (kind === "ordering") {
        Array.prototype.forEach.call(fs.querySelectorAll("select[data-step]"), function (sel) {
          var step = Number(sel.getAttribute("data-step"));
          sel.value = String(got[step]);
          sel.disabled = true;
          if (reveal) {
            var fb = sel.parentNode.querySelector("[data-feedback]");
            if (fb) { fb.hidden = false; }
            if (!sel.parentNode.querySelector(".right-answer")) {
              badge(sel.parentNode.querySelector("label"), got[step] === step ? "in its place" : "belongs at " + (step + 1));
            }
          }
        });
      } else if (kind === "branching") {
        Array.prototype.forEach.call(fs.querySelectorAll("input"), function (inp) {
          var second = inp.hasAttribute("data-second");
          var v = Number(inp.value);
          var then = second ? inp.closest("[data-then]") : null;
          var onPath = second ? Number(then.getAttribute("data-then")) === got[0] : true;
          inp.checked = second ? onPath && v === got[1] : v === got[0];
          inp.disabled = true;
          var fb = inp.parentNode.querySelector("[data-feedback]");
          if (fb) { fb.hidden = !inp.checked; }
          var right = second ? Number(then.getAttribute("data-then-answer")) === v : want.indexOf(v) >= 0;
          if (reveal && onPath && right && !inp.parentNode.querySelector(":scope > label .right-answer")) {
            badge(inp.parentNode.querySelector("label"), "right answer");
          }
        });
      }
      if (kind === "ordering" || kind === "branching") {
        var mk = m.marks[qi];
        var vd = fs.querySelector("[data-verdict]");
        vd.textContent = mk[0] === mk[1] ? "Right." : mk[0] > 0 ? "Partly right: " + mk[0] + " of " + mk[1] + " marks." : "Not quite.";
        vd.className = "verdict " + (mk[0] === mk[1] ? "right" : "wrong");
        vd.hidden = false;
        var exp = fs.querySelector("[data-explanation]");
        if (exp) { exp.hidden = false; }
        return;
      }
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
      var ok = m.marks[qi][0] === m.marks[qi][1];
      verdict.textContent = ok ? "Right." : "Not quite.";
      verdict.className = "verdict " + (ok ? "right" : "wrong");
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
      var problem = "";
      questionsOf(form).forEach(function (fs, qi) {
        var chosen = [], kind = kindOf(fs);
        if (kind === "ordering") {
          var steps = fs.querySelectorAll("select[data-step]"), seen = {};
          Array.prototype.forEach.call(steps, function (sel) {
            var step = Number(sel.getAttribute("data-step"));
            chosen[step] = sel.value === "" ? -1 : Number(sel.value);
            if (chosen[step] < 0 || seen[chosen[step]]) {
              if (!problem) { problem = "Question " + (qi + 1) + ": give every step its own place, from 1 to " + steps.length + "."; }
            }
            seen[chosen[step]] = true;
          });
        } else if (kind === "branching") {
          var first = fs.querySelector(":scope > .branch > input:checked");
          if (first) {
            chosen.push(Number(first.value));
            var second = thenOf(fs, first.value).querySelector("input:checked");
            if (second) { chosen.push(Number(second.value)); }
            else if (!problem) { problem = "Question " + (qi + 1) + ": make the second decision too."; }
          }
        } else {
          Array.prototype.forEach.call(fs.querySelectorAll("input"), function (inp) {
            if (inp.checked) { chosen.push(Number(inp.value)); }
          });
        }
        if (!chosen.length && missing < 0) { missing = qi; }
        answers.push(chosen);
      });
      if (missing >= 0 || problem) {
        var err = form.querySelector("[data-quiz-error]");
        err.textContent = missing >= 0 ? "Answer question " + (missing + 1) + "." : problem;
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
      form.querySelector("input, select").focus();
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
  // Writing practice: the draft is kept like a reflection; the model
  // answer and the rubric open once the draft is long enough.
  writings.forEach(function (sec, i) {
    var ta = sec.querySelector("textarea[data-draft]");
    var words = sec.querySelector("[data-words]");
    var min = Number(sec.getAttribute("data-min-words")) || 1;
    function count() { return ta.value.trim() ? ta.value.trim().split(/\s+/).length : 0; }
    function open() {
      if (count() < min) {
        words.textContent = "Your draft has " + count() + " words; write at least " + min + " to compare.";
        return false;
      }
      sec.querySelector("[data-model]").hidden = false;
      words.textContent = "";
      return true;
    }
    ta.addEventListener("input", function () { state.writings[i][0] = ta.value; save(); });
    ta.addEventListener("change", function () { state.writings[i][0] = ta.value; save(); commit(); });
    sec.querySelector("[data-compare]").addEventListener("click", function () { if (open()) { commit(); } });
    sec.querySelectorAll("[data-rating]").forEach(function (r) {
      r.addEventListener("change", function () {
        var n = Number(r.getAttribute("data-rating")), marks = state.writings[i][1].split("");
        while (marks.length <= n) { marks.push("-"); }
        marks[n] = r.value;
        state.writings[i][1] = marks.join("");
        save();
        commit();
      });
    });
    sec.restore = function () {
      ta.value = state.writings[i][0];
      state.writings[i][1].split("").forEach(function (v, n) {
        var r = sec.querySelector('[data-rating="' + n + '"][value="' + v + '"]');
        if (r) { r.checked = true; }
      });
      if (state.writings[i][1]) { open(); }
    };
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
  writings.forEach(function (sec) { sec.restore(); });
  quizForms.forEach(function (f, i) { showQuiz(i); });
  var start = lessonFromHash();
  if (start < 0) { start = keys.indexOf(get(field.location)); }
  show(start < 0 ? 0 : start, false);
})();
