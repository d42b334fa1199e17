// A SCORM 1.2 SCO for Upward's tests. It finds the runtime API the way
// content in the wild does (the findAPI walk up the parent frames, then the
// opener), shows what the LMS restored, and writes known values so that a
// test can read them back from the database. Every call and its result is
// logged on the page.
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
        if (win.API) { return win.API; }
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
      var code = api.LMSGetLastError();
      line += " (error " + code + ": " + api.LMSGetErrorString(code) + ")";
    }
    var li = document.createElement("li");
    li.textContent = line;
    log.appendChild(li);
    return result;
  }
  function call(name) {
    var args = Array.prototype.slice.call(arguments, 1);
    return record(name + "(" + args.map(shorten).join(", ") + ")", api[name].apply(api, args));
  }
  function shorten(arg) {
    return arg.length > 40 ? JSON.stringify(arg.slice(0, 20) + "…") + " (" + arg.length + " characters)" : JSON.stringify(arg);
  }
  function show(testid, value) {
    document.querySelector('[data-testid="' + testid + '"]').textContent = value;
  }

  if (!api) {
    record("findAPI", "no API found");
    return;
  }
  call("LMSInitialize", "");
  show("status", call("LMSGetValue", "cmi.core.lesson_status"));
  show("location", call("LMSGetValue", "cmi.core.lesson_location"));
  show("suspend", call("LMSGetValue", "cmi.suspend_data"));

  var next = document.querySelector('[data-testid="next"]');
  var finish = document.querySelector('[data-testid="finish"]');
  next.disabled = false;
  finish.disabled = false;

  next.addEventListener("click", function () {
    var suspend = seededText(12, 3000);
    call("LMSSetValue", "cmi.core.lesson_location", "page-2");
    call("LMSSetValue", "cmi.suspend_data", suspend);
    call("LMSSetValue", "cmi.core.lesson_status", "incomplete");
    call("LMSSetValue", "cmi.core.exit", "suspend");
    call("LMSCommit", "");
    show("location", "page-2");
    show("suspend", suspend);
  });

  finish.addEventListener("click", function () {
    call("LMSSetValue", "cmi.core.score.raw", "80");
    call("LMSSetValue", "cmi.core.score.min", "0");
    call("LMSSetValue", "cmi.core.score.max", "100");
    call("LMSSetValue", "cmi.core.lesson_status", "passed");
    call("LMSSetValue", "cmi.core.exit", "");
    call("LMSSetValue", "cmi.core.session_time", "00:05:00");
    call("LMSCommit", "");
    call("LMSFinish", "");
    next.disabled = true;
    finish.disabled = true;
  });
})();
