// The SCORM runtime of a launch: scorm-again's API (window.API for SCORM
// 1.2, window.API_1484_11 for 2004), started with the attempt's data so
// far, committing to the content host; then the SCO in the frame, which
// finds the API in its parent. As the learner leaves, the latest data goes
// out once more with sendBeacon, which the browser delivers after the
// page is gone, so closing the tab loses nothing.
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("scorm-config").textContent);
  var settings = {
    lmsCommitUrl: config.commitURL,
    dataCommitFormat: "flattened",
    autocommit: true,
    autocommitSeconds: 5,
    logLevel: 4
  };
  var api;
  if (config.version === "2004") {
    api = new window.Scorm2004API(settings);
    window.API_1484_11 = api;
  } else {
    api = new window.Scorm12API(settings);
    window.API = api;
  }
  api.loadFromFlattenedJSON(config.cmi);

  var sent = false;
  function beacon() {
    if (sent || !navigator.sendBeacon) {
      return;
    }
    try {
      var data = api.renderCommitCMI(true);
      sent = navigator.sendBeacon(config.commitURL, new Blob([JSON.stringify(data)], { type: "text/plain" }));
    } catch (e) {
      // Nothing more can be done as the page goes.
    }
  }
  window.addEventListener("pagehide", beacon);
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") {
      beacon();
      sent = false; // hidden is not gone: a later hide sends again
    }
  });

  var frame = document.getElementById("sco");
  if (config.asset) {
    // An asset has no runtime calls of its own: opening it completes it.
    frame.addEventListener("load", function () {
      if (config.version === "2004") {
        api.Initialize("");
        api.SetValue("cmi.completion_status", "completed");
        api.Commit("");
      } else {
        api.LMSInitialize("");
        api.LMSSetValue("cmi.core.lesson_status", "completed");
        api.LMSCommit("");
      }
    }, { once: true });
  }
  frame.src = config.scoURL;
})();
