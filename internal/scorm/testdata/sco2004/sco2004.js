// A SCORM 2004 SCO for Upward's tests, shared by the package's three
// pages. It finds API_1484_11 the way content in the wild does (the walk up
// the parent frames, then the opener), shows what the LMS restored, and
// writes known values (status, score, progress, an interaction and an
// objective) so that a test can read them back from the database. Every
// call and its result is logged on the page.
(function () {
  "use strict";

  // seededText is the suspend data: n characters from a Park-Miller
  // generator, so that Go tests can compute the same string
  // (scormtest.SeededText).
  var ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789 .,;:-_'\"&<>=/";
  function seededText(seed, n) {
    var x = seed, out = [];
    for (var i = 0; i < n; i++) {
      x = (x * 48271) % 2147483647;
      out.push(ALPHABET.charAt(x % ALPHABET.length));
    }
    return out.join("");
  }

  function findAPI(win) {
    for (var tries = 0; win && tries < 10; tries++) {
      try {
        if (win.API_1484_11) { return win.API_1484_11; }
      } catch (e) {
        return null; // a frame of another origin: the API is not there
      }
      if (!win.parent || win.parent === win) { return null; }
      win = win.parent;
    }
    return null;
  }

  var api = findAPI(window) || (window.opener ? findAPI(window.opener) : null);
  var log = document.querySelector('[data-testid="log"]');

  function record(what, result) {
    var line = what + " → " + JSON.stringify(result);
    if (result === "false" || result === false) {
      var code = api.GetLastError();
      line += " (error " + code + ": " + api.GetErrorString(code) + ")";
    }
    var li = document.createElement("li");
    li.textContent = line;
    log.appendChild(li);
    return result;
  }
  function shorten(arg) {
    return arg.length > 40 ? JSON.stringify(arg.slice(0, 20) + "…") + " (" + arg.length + " characters)" : JSON.stringify(arg);
  }
  function call(name) {
    var args = Array.prototype.slice.call(arguments, 1);
    return record(name + "(" + args.map(shorten).join(", ") + ")", api[name].apply(api, args));
  }
  function show(testid, value) {
    document.querySelector('[data-testid="' + testid + '"]').textContent = value;
  }

  if (!api) {
    record("findAPI", "no API found");
    return;
  }
  call("Initialize", "");
  show("status", call("GetValue", "cmi.completion_status"));
  show("location", call("GetValue", "cmi.location"));
  show("suspend", call("GetValue", "cmi.suspend_data"));

  var next = document.querySelector('[data-testid="next"]');
  var finish = document.querySelector('[data-testid="finish"]');
  next.disabled = false;
  finish.disabled = false;

  next.addEventListener("click", function () {
    var suspend = seededText(2004, 10000);
    call("SetValue", "cmi.location", "page-2");
    call("SetValue", "cmi.suspend_data", suspend);
    call("SetValue", "cmi.progress_measure", "0.5");
    call("SetValue", "cmi.completion_status", "incomplete");
    call("SetValue", "cmi.exit", "suspend");
    call("Commit", "");
    show("location", "page-2");
    show("suspend", suspend);
  });

  finish.addEventListener("click", function () {
    call("SetValue", "cmi.score.scaled", "0.8");
    call("SetValue", "cmi.score.raw", "80");
    call("SetValue", "cmi.score.min", "0");
    call("SetValue", "cmi.score.max", "100");
    call("SetValue", "cmi.progress_measure", "1");
    call("SetValue", "cmi.completion_status", "completed");
    call("SetValue", "cmi.success_status", "passed");
    call("SetValue", "cmi.interactions.0.id", "q1");
    call("SetValue", "cmi.interactions.0.type", "choice");
    call("SetValue", "cmi.interactions.0.learner_response", "b");
    call("SetValue", "cmi.interactions.0.result", "correct");
    call("SetValue", "cmi.objectives.0.id", "obj1");
    call("SetValue", "cmi.objectives.0.score.scaled", "0.8");
    call("SetValue", "cmi.objectives.0.success_status", "passed");
    call("SetValue", "cmi.objectives.0.completion_status", "completed");
    call("SetValue", "cmi.exit", "normal");
    call("SetValue", "cmi.session_time", "PT5M");
    call("Commit", "");
    call("Terminate", "");
    next.disabled = true;
    finish.disabled = true;
  });
})();
