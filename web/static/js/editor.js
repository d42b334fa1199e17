// The course editors, as a progressive enhancement over their forms.
//
// Everywhere: lists marked data-sortable are reordered by dragging their
// handles; a drop posts the move like the Up and Down buttons do.
//
// In the lesson editor (data-lesson-editor), besides: a block's handle
// also moves it with the arrow keys; Edit opens the block's form in its
// place; the form saves itself a moment after each change (to the same
// endpoint as its Save button, with the course's revision, so that a
// change made elsewhere meanwhile is refused, not overwritten); Markdown
// fields get a formatting toolbar and a live preview rendered by the
// server; a file chosen or dropped on a media block is uploaded at once;
// the quiz form adds and removes questions and options in place. The save
// status is spoken from an aria-live region.
(function () {
  "use strict";

  var root = document.querySelector("[data-lesson-editor]");

  if (typeof Sortable !== "undefined") {
    document.querySelectorAll("[data-sortable]").forEach(function (list) {
      var inEditor = root && root.contains(list);
      Sortable.create(list, {
        group: list.dataset.group || undefined, // lists of one group share items
        handle: list.dataset.handle || ".drag-handle",
        forceFallback: true, // pointer events: the same in every browser, and testable
        animation: 150,
        onEnd: function (ev) {
          if (ev.from === ev.to && ev.oldIndex === ev.newIndex) return;
          if (inEditor) {
            moveBlock(ev.item, ev.newIndex);
            return;
          }
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
  }
  if (!root) return;

  var csrf = root.dataset.csrf;
  var list = root.querySelector("[data-testid=blocks]");
  var statusEl = root.querySelector("[data-save-status]");

  function say(text, state) {
    statusEl.textContent = text;
    statusEl.dataset.state = state || "";
  }

  function setRevision(rev) {
    if (!rev) return;
    root.querySelectorAll('input[name="revision"]').forEach(function (i) { i.value = rev; });
    list.dataset.revision = rev;
  }

  // send posts a form to the server as the editor's script, and reads
  // its JSON answer (or, for a page such as "too large", its status).
  function send(url, body) {
    return fetch(url, { method: "POST", body: body, credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
      .then(function (res) {
        return res.text().then(function (text) {
          var data = {};
          try { data = JSON.parse(text); } catch (e) { data = { error: res.status === 413 ? "it is larger than the limit." : "the server answered " + res.status + "." }; }
          return { ok: res.ok, status: res.status, data: data };
        });
      }, function () {
        return { ok: false, status: 0, data: { error: "the connection failed; check it and change something to try again." } };
      });
  }

  function fetchPage(url) {
    return fetch(url, { credentials: "same-origin" }).then(function (res) { return res.text(); })
      .then(function (html) { return new DOMParser().parseFromString(html, "text/html"); });
  }

  function savedText(data) { return "Saved " + data.saved_at; }

  // --- Moving blocks ---------------------------------------------------

  function blocks() { return Array.prototype.slice.call(list.children); }

  function moveBlock(li, to) {
    var body = new FormData();
    body.set("to", String(to));
    body.set("revision", list.dataset.revision);
    body.set("csrf_token", csrf);
    say("Saving…");
    return send(li.dataset.moveUrl, body).then(function (r) {
      if (!r.ok) {
        say("Not saved: " + r.data.error, "error");
        return;
      }
      setRevision(r.data.revision);
      say("Moved to place " + (blocks().indexOf(li) + 1) + " of " + blocks().length + ". " + savedText(r.data), "ok");
      refreshMenus();
    });
  }

  // refreshMenus takes each block's menu (whose Up and Down depend on its
  // place) and handle label from the page as it now is.
  function refreshMenus() {
    fetchPage(list.dataset.viewUrl || location.pathname).then(function (doc) {
      doc.querySelectorAll("[data-testid=blocks] > li[data-key]").forEach(function (fresh) {
        var li = list.querySelector('li[data-key="' + fresh.dataset.key + '"]');
        if (!li) return;
        ["details.block-menu", "[data-edit]"].forEach(function (sel) {
          var a = li.querySelector(sel), b = fresh.querySelector(sel);
          if (a && b && !a.open) a.replaceWith(document.importNode(b, true));
        });
        var h = li.querySelector("[data-handle]"), fh = fresh.querySelector("[data-handle]");
        if (h && fh) h.setAttribute("aria-label", fh.getAttribute("aria-label"));
      });
    });
  }

  list.addEventListener("keydown", function (e) {
    var handle = e.target.closest("[data-handle]");
    if (!handle || (e.key !== "ArrowUp" && e.key !== "ArrowDown")) return;
    e.preventDefault();
    var li = handle.closest("li");
    var other = e.key === "ArrowUp" ? li.previousElementSibling : li.nextElementSibling;
    if (!other) return;
    list.insertBefore(li, e.key === "ArrowUp" ? other : other.nextElementSibling);
    handle.focus();
    moveBlock(li, blocks().indexOf(li));
  });
  list.querySelectorAll("[data-handle]").forEach(function (h) { h.hidden = false; });

  // --- Editing in place ------------------------------------------------

  var openForm = null; // the block form open on the page, if any

  // swapBlock replaces a block of the list by the same block of the page
  // at url: its view, or with ?edit= its form.
  function swapBlock(li, url) {
    return fetchPage(url).then(function (doc) {
      var fresh = doc.getElementById(li.id);
      if (!fresh) {
        location.href = url;
        return null;
      }
      fresh = document.importNode(fresh, true);
      li.replaceWith(fresh);
      fresh.querySelectorAll("[data-handle]").forEach(function (h) { h.hidden = false; });
      var form = fresh.querySelector("[data-block-form]");
      if (form) enhanceForm(form);
      return fresh;
    });
  }

  function closeOpen() {
    if (!openForm) return Promise.resolve();
    var form = openForm;
    openForm = null;
    return form.flush().then(function () {
      var li = form.closest("li[data-key]");
      return li ? swapBlock(li, location.pathname) : null;
    });
  }

  function openBlock(li, url) {
    return closeOpen().then(function () {
      return swapBlock(document.getElementById(li.id) || li, url);
    }).then(function (fresh) {
      if (!fresh) return fresh;
      var first = fresh.querySelector("[data-block-form] input:not([type=hidden]), [data-block-form] textarea, [data-block-form] select");
      if (first) first.focus();
      return fresh;
    });
  }

  root.addEventListener("click", function (e) {
    var edit = e.target.closest("[data-edit]");
    if (edit && list.contains(edit)) {
      e.preventDefault();
      openBlock(edit.closest("li"), edit.href);
      return;
    }
    var close = e.target.closest("[data-close]");
    if (close && list.contains(close)) {
      e.preventDefault();
      var key = close.closest("li").dataset.key;
      closeOpen().then(function () {
        var li = list.querySelector('li[data-key="' + key + '"]');
        var link = li && li.querySelector("[data-edit]");
        if (link) link.focus();
      });
    }
  });

  // --- The block form: autosave ---------------------------------------

  function enhanceForm(form) {
    openForm = form;
    var timer = null, inflight = null, again = false, dirty = false;
    var keyInput = form.querySelector('input[name="key"]');

    function save() {
      clearTimeout(timer);
      if (inflight) {
        again = true;
        return inflight;
      }
      dirty = false;
      var body = new FormData(form);
      body.delete("upload");
      body.delete("quiz_change");
      say("Saving…");
      inflight = send(form.action, body).then(function (r) {
        inflight = null;
        if (r.ok) {
          if (r.data.key) keyInput.value = r.data.key;
          setRevision(r.data.revision);
          say(savedText(r.data), "ok");
        } else {
          say("Not saved: " + r.data.error, "error");
        }
        if (again) {
          again = false;
          return save();
        }
      });
      return inflight;
    }
    function schedule() {
      dirty = true;
      say("Not saved yet: saving in a moment…");
      clearTimeout(timer);
      timer = setTimeout(save, 1000);
    }
    form.flush = function () { return dirty || inflight ? save() : Promise.resolve(); };
    form.saveSoon = schedule;

    form.addEventListener("input", function (e) { if (e.target.type !== "file") schedule(); });
    form.addEventListener("change", function (e) {
      if (e.target.type !== "file" && (e.target.type === "checkbox" || e.target.tagName === "SELECT")) schedule();
    });
    // The Save button still posts the form; it waits for a save under way,
    // whose new key and revision it must carry.
    form.addEventListener("submit", function (e) {
      clearTimeout(timer);
      if (inflight) {
        e.preventDefault();
        var by = e.submitter;
        inflight.then(function () { form.requestSubmit(by); });
      }
    });

    if (form.dataset.markdown) enhanceMarkdown(form, form.querySelector("#" + form.dataset.markdown));
    form.querySelectorAll("[data-dropzone]").forEach(function (z) { enhanceDrop(form, z); });
    if (form.querySelector("[data-quiz-questions]")) enhanceQuiz(form);
  }

  // --- Markdown: toolbar and live preview ------------------------------

  var formats = [
    { label: "Bold", text: "B", wrap: ["**", "**", "bold text"], key: "b" },
    { label: "Italic", text: "I", wrap: ["*", "*", "italic text"], key: "i" },
    { label: "Heading", text: "H", line: "## " },
    { label: "Bulleted list", text: "List", line: "- " },
    { label: "Link", text: "Link", wrap: ["[", "](https://)", "link text"], key: "k" },
    { label: "Quote", text: "Quote", line: "> " },
  ];

  function enhanceMarkdown(form, area) {
    if (!area) return;
    var bar = document.createElement("div");
    bar.className = "md-toolbar";
    bar.setAttribute("role", "toolbar");
    bar.setAttribute("aria-label", "Formatting");
    bar.setAttribute("aria-controls", area.id);
    formats.forEach(function (f) {
      var b = document.createElement("button");
      b.type = "button";
      b.className = "md-" + f.label.toLowerCase().replace(/ .*/, "");
      b.textContent = f.text;
      b.title = f.label + (f.key ? " (Ctrl+" + f.key.toUpperCase() + ")" : "");
      b.setAttribute("aria-label", f.label);
      b.addEventListener("click", function () { apply(area, f); });
      bar.appendChild(b);
    });
    area.parentNode.insertBefore(bar, area);
    area.addEventListener("keydown", function (e) {
      if (!(e.ctrlKey || e.metaKey)) return;
      formats.forEach(function (f) {
        if (f.key && e.key.toLowerCase() === f.key) {
          e.preventDefault();
          apply(area, f);
        }
      });
    });

    var section = form.parentNode.querySelector("[data-live-preview]");
    if (!section) return;
    var out = section.querySelector("[data-preview-body]");
    section.hidden = false;
    var timer = null, seq = 0;
    function render() {
      var n = ++seq;
      var body = new FormData(form);
      body.delete("upload");
      fetch(root.dataset.previewUrl, { method: "POST", body: body, credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
        .then(function (res) { return res.text(); })
        .then(function (html) { if (n === seq) out.innerHTML = html; }); // the server's own rendering, sanitised
    }
    form.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(render, 300);
    });
    render();
  }

  function apply(area, f) {
    var v = area.value, s = area.selectionStart, e = area.selectionEnd;
    if (f.wrap) {
      var inner = v.slice(s, e) || f.wrap[2];
      area.value = v.slice(0, s) + f.wrap[0] + inner + f.wrap[1] + v.slice(e);
      area.setSelectionRange(s + f.wrap[0].length, s + f.wrap[0].length + inner.length);
    } else {
      var start = v.lastIndexOf("\n", s - 1) + 1;
      var lines = v.slice(start, e).split("\n").map(function (l) { return f.line + l; }).join("\n");
      area.value = v.slice(0, start) + lines + v.slice(e);
      area.setSelectionRange(start + lines.length, start + lines.length);
    }
    area.focus();
    area.dispatchEvent(new Event("input", { bubbles: true }));
  }

  // --- Media: upload on choice or drop ---------------------------------

  function enhanceDrop(form, zone) {
    var input = zone.querySelector('input[type="file"]');
    var src = zone.querySelector("[data-src]");
    var progress = zone.querySelector("[data-progress]");
    var error = zone.querySelector("[data-upload-error]");
    var current = zone.querySelector("[data-current]");

    function fail(msg) {
      progress.hidden = true;
      error.textContent = msg;
      error.hidden = false;
      zone.classList.add("has-error");
      say("Not saved: " + msg, "error");
    }
    function upload(file) {
      var body = new FormData();
      body.set("kind", zone.dataset.uploadKind);
      body.set("file", file);
      body.set("csrf_token", csrf);
      var xhr = new XMLHttpRequest();
      xhr.open("POST", root.dataset.uploadUrl);
      xhr.setRequestHeader("X-Requested-With", "fetch");
      xhr.upload.onprogress = function (e) {
        if (e.lengthComputable) progress.value = Math.round((e.loaded / e.total) * 100);
      };
      xhr.onload = function () {
        var data = {};
        try { data = JSON.parse(xhr.responseText); } catch (e) { /* a page: too large */ }
        if (xhr.status !== 200) {
          fail(xhr.status === 413 ? "The file was not accepted: it is larger than the upload limit." : data.error || "The upload failed (" + xhr.status + ").");
          return;
        }
        progress.hidden = true;
        error.hidden = true;
        zone.classList.remove("has-error");
        input.value = "";
        src.value = data.name;
        current.textContent = "";
        if (zone.dataset.uploadKind === "image") {
          var img = document.createElement("img");
          img.src = data.url;
          img.alt = "";
          img.className = "dropzone-thumb";
          current.appendChild(img);
        }
        var p = document.createElement("p");
        p.className = "hint";
        p.textContent = "Current file: " + file.name;
        current.appendChild(p);
        say("Uploaded " + file.name + ".");
        form.saveSoon();
      };
      xhr.onerror = function () { fail("The upload failed: the connection was lost."); };
      progress.value = 0;
      progress.hidden = false;
      error.hidden = true;
      say("Uploading " + file.name + "…");
      xhr.send(body);
    }
    zone.upload = upload;
    input.addEventListener("change", function () { if (input.files[0]) upload(input.files[0]); });
    zone.addEventListener("dragover", function (e) {
      e.preventDefault();
      zone.classList.add("dragging");
    });
    zone.addEventListener("dragleave", function () { zone.classList.remove("dragging"); });
    zone.addEventListener("drop", function (e) {
      e.preventDefault();
      zone.classList.remove("dragging");
      if (e.dataTransfer.files[0]) upload(e.dataTransfer.files[0]);
    });
  }

  // A file dropped on a media block's view opens its form and goes in.
  var mediaKinds = { image: 1, video: 1, audio: 1, file: 1 };
  list.addEventListener("dragover", function (e) {
    var li = e.target.closest("li[data-key]");
    if (li && mediaKinds[li.dataset.kind] && !li.classList.contains("editing")) {
      e.preventDefault();
      li.classList.add("dragging");
    }
  });
  list.addEventListener("dragleave", function (e) {
    var li = e.target.closest("li[data-key]");
    if (li) li.classList.remove("dragging");
  });
  list.addEventListener("drop", function (e) {
    var li = e.target.closest("li[data-key]");
    if (!li || !mediaKinds[li.dataset.kind] || li.classList.contains("editing")) return;
    e.preventDefault();
    var file = e.dataTransfer.files[0];
    var link = li.querySelector("[data-edit]");
    if (!file || !link) return;
    openBlock(li, link.href).then(function (fresh) {
      var zone = fresh && fresh.querySelector("[data-dropzone]");
      if (zone) zone.upload(file);
    });
  });

  // --- The quiz form: questions and options in place --------------------

  function enhanceQuiz(form) {
    var questions = form.querySelector("[data-quiz-questions]");

    function fix(el, re, to) {
      [el].concat(Array.prototype.slice.call(el.querySelectorAll("*"))).forEach(function (n) {
        ["id", "for", "name", "aria-describedby", "data-testid"].forEach(function (a) {
          var v = n.getAttribute(a);
          if (v) n.setAttribute(a, v.replace(re, to));
        });
        if (n.name === "quiz_change") n.value = n.value.replace(re, to);
      });
    }
    function renumber() {
      questions.querySelectorAll(":scope > [data-question]").forEach(function (q, i) {
        fix(q, /q\d+/, "q" + i);
        q.querySelectorAll("[data-qn]").forEach(function (s) { s.textContent = String(i + 1); });
        q.querySelectorAll("[data-option]").forEach(function (o, j) {
          fix(o, /_o\d+/, "_o" + j);
          o.querySelectorAll("[data-on]").forEach(function (s) { s.textContent = String(j + 1); });
        });
      });
    }
    function fromTemplate(sel) {
      return document.importNode(form.querySelector(sel).content.firstElementChild, true);
    }

    form.addEventListener("click", function (e) {
      var b = e.target.closest('button[name="quiz_change"]');
      if (!b) return;
      e.preventDefault();
      var change = b.value;
      if (change === "add question") {
        var q = fromTemplate("template[data-question-template]");
        questions.appendChild(q);
        renumber();
        q.querySelector('input[name$="_prompt"]').focus();
        say("Question " + questions.children.length + " added: it is saved once it has text.");
      } else if (change.indexOf("add ") === 0) {
        var question = b.closest("[data-question]");
        var o = fromTemplate("template[data-option-template]");
        question.querySelector("[data-options]").appendChild(o);
        renumber();
        o.querySelector('input[type="text"]').focus();
        say("Option added.");
      } else if (change.indexOf("remove ") === 0) {
        var gone = b.closest(change.indexOf("_o") > 0 ? "[data-option]" : "[data-question]");
        var within = gone.parentNode.closest("[data-question]");
        gone.remove();
        renumber();
        var next = within ? within.querySelector("[data-add-option]") : form.querySelector('[data-testid="add-question"]');
        if (next) next.focus();
        say(change.indexOf("_o") > 0 ? "Option removed." : "Question removed.");
        form.saveSoon();
      }
    });
  }

  var open = list.querySelector("[data-block-form]") || root.querySelector("#block-form [data-block-form]");
  if (open) enhanceForm(open);
})();
