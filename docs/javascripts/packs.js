// Reading packs (/packs/): choose pages, sections and worksheets; get a link, a QR code and one PDF.
//
// Everything happens on this device. The choice and the note travel in the link's #fragment, which a
// browser never sends to a server. The PDF is put together here from the site's own PDFs (pdf-lib,
// vendored in overrides/assets/javascripts/vendor/). Nothing is stored: no cookie, no web storage, no IndexedDB.
// Data from a link (ids, the note) only ever reaches the page as textContent or attribute values of
// elements made here, never as HTML.
//
// The catalogue (window.BELONGING_PACKS, javascripts/packs-catalogue.js) is written at build time by
// scripts/hooks/packs.py from the nav, the pages' front matter and headings, includes/worksheets.yml,
// the redirects in mkdocs.yml and includes/packs.yml.
(function () {
  "use strict";
  var data = window.BELONGING_PACKS;
  var root = document.getElementById("packs");
  if (!data || !root) return;

  var MAX_NOTE = data.limits.note;          // characters
  var MAX_ITEMS = data.limits.items;
  var MAX_FRAGMENT = data.limits.fragment;  // characters after the '#'
  var ID = /^[a-z0-9][a-z0-9\/~-]{0,119}$/;
  var SVGNS = "http://www.w3.org/2000/svg";
  var COVER = data.cover;   // the pack page's title and the cover's headings (scripts/hooks/packs.py)
  var offline = location.protocol === "file:";
  // The site's root, from this script's own address (works at any depth and from file://).
  var script = document.currentScript || document.querySelector('script[src*="javascripts/packs.js"]');
  var siteRoot = script.src.replace(/javascripts\/packs\.js(\?.*)?$/, "");
  var packsPage = location.href.split("#")[0];   // packs/ on the site, packs.html in the offline copy

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) { node.setAttribute(name, attrs[name]); });
    if (text !== undefined) node.textContent = text;
    return node;
  }
  function $(id) { return document.getElementById(id); }

  // ------------------------------------------------------------------ the link
  function packLink(ids, note) {
    var fragment = "i=" + ids.join(",");
    if (note) fragment += "&n=" + encodeURIComponent(note).replace(/%20/g, "+");   // shorter link, smaller QR code
    return data.packs_url + "#" + fragment;
  }

  function cleanNote(text) {
    // Plain text only: control characters go, runs of spaces become one.
    return String(text).replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029]/g, " ")
      .replace(/[ \t]+/g, " ").replace(/\n{3,}/g, "\n\n").trim();
  }

  // What a link asks for, and what had to be left out. Never throws.
  function parseFragment(hash) {
    var out = { ids: [], note: "", unknown: 0, moved: 0, cut: false, noteCut: false, extra: 0 };
    var text = hash.replace(/^#/, "");
    if (text.length > MAX_FRAGMENT) { text = text.slice(0, MAX_FRAGMENT); out.cut = true; }
    var seen = {};
    text.split("&").forEach(function (part) {
      var eq = part.indexOf("=");
      var key = eq < 0 ? part : part.slice(0, eq), value = eq < 0 ? "" : part.slice(eq + 1);
      if (key === "i") {
        value.split(",").forEach(function (raw) {
          if (!raw) return;
          var id = raw.toLowerCase();
          if (!ID.test(id)) { out.unknown += 1; return; }
          var found = resolve(id);
          if (!found) { out.unknown += 1; return; }
          if (found !== id) out.moved += 1;
          if (seen[found]) return;
          if (out.ids.length >= MAX_ITEMS) { out.extra += 1; return; }
          seen[found] = true;
          out.ids.push(found);
        });
      } else if (key === "n") {
        var note;
        try { note = decodeURIComponent(value.replace(/\+/g, " ")); } catch (e) { note = value; }
        note = cleanNote(note);
        if (note.length > MAX_NOTE) { note = note.slice(0, MAX_NOTE); out.noteCut = true; }
        out.note = note;
      }
    });
    return out;
  }

  // An id as it is now: itself; or where its page has moved (mkdocs.yml redirects); or, for a section
  // whose heading has gone, the whole page it was on.
  function resolve(id) {
    if (data.items[id]) return id;
    var parts = id.split("~"), page = data.moved[parts[0]] || parts[0];
    if (!data.items[page] || data.items[page].kind !== "page") return null;
    var now = parts.length > 1 ? page + "~" + parts.slice(1).join("~") : page;
    return data.items[now] ? now : page;
  }

  // ------------------------------------------------------------------ QR code
  function qrSvg(text, label) {
    var qr = window.qrcode(0, "M");
    qr.addData(text, "Byte");
    qr.make();
    var n = qr.getModuleCount(), quiet = 4, size = n + 2 * quiet, d = [];
    for (var r = 0; r < n; r++) {
      for (var c = 0; c < n; c++) {
        if (qr.isDark(r, c)) d.push("M" + (c + quiet) + " " + (r + quiet) + "h1v1h-1z");
      }
    }
    var svg = document.createElementNS(SVGNS, "svg");
    svg.setAttribute("viewBox", "0 0 " + size + " " + size);
    svg.setAttribute("class", "pack-qr__code");
    svg.setAttribute("role", "img");
    svg.setAttribute("aria-label", label);
    svg.setAttribute("shape-rendering", "crispEdges");
    svg.style.width = Math.max(192, size * 3) + "px";   // at least 3 px a module, so a phone camera reads it
    var bg = document.createElementNS(SVGNS, "rect");
    bg.setAttribute("width", size); bg.setAttribute("height", size); bg.setAttribute("fill", "#fff");
    var path = document.createElementNS(SVGNS, "path");
    path.setAttribute("d", d.join("")); path.setAttribute("fill", "#000");
    svg.appendChild(bg); svg.appendChild(path);
    return { svg: svg, qr: qr, modules: n };
  }

  // ------------------------------------------------------------------ the pack view (what a client sees)
  function showPack(parsed) {
    var view = $("pack-view");
    $("pack-builder").hidden = true;
    view.hidden = false;
    var note = $("pack-view-note");
    note.hidden = !parsed.note;
    note.querySelector(".pack-view-note__title strong").textContent = COVER.note;
    $("pack-view-note-text").textContent = parsed.note;
    var list = $("pack-view-list");
    list.textContent = "";
    parsed.ids.forEach(function (id) {
      var item = data.items[id];
      var li = el("li", { "class": "pack-item pack-item--" + item.kind });
      var link = el("a", { href: siteRoot + item.url }, item.title);
      li.appendChild(link);
      if (item.kind === "worksheet") li.appendChild(el("span", { "class": "pack-item__kind" }, " (worksheet to fill in)"));
      li.appendChild(el("p", { "class": "pack-item__desc" }, item.description));
      list.appendChild(li);
    });
    var problems = [];
    if (parsed.unknown) problems.push(parsed.unknown === 1
      ? "This link asked for 1 thing we could not find. It may have been taken off the site, or the link may be broken."
      : "This link asked for " + parsed.unknown + " things we could not find. They may have been taken off the site, or the link may be broken.");
    if (parsed.extra) problems.push("This link had more than " + MAX_ITEMS + " things in it. We show the first " + MAX_ITEMS + ".");
    if (parsed.cut) problems.push("This link was too long, so we only read the first part of it.");
    if (parsed.noteCut) problems.push("The note was too long, so we show the first " + MAX_NOTE + " letters.");
    if (parsed.moved) problems.push(parsed.moved === 1 ? "1 page or part of a page has moved. The link above takes you to where it is now."
      : parsed.moved + " pages or parts of pages have moved. The links above take you to where they are now.");
    var box = $("pack-view-problems");
    box.textContent = "";
    problems.forEach(function (text) { box.appendChild(el("p", {}, text)); });
    box.hidden = problems.length === 0;
    $("pack-view-empty").hidden = parsed.ids.length > 0;
    setHeading(COVER.title);
  }

  function showBuilder() {
    $("pack-view").hidden = true;
    $("pack-builder").hidden = false;
    setHeading(builderTitle);
  }

  // One page, two views: the title (h1, document title) says which one is showing. In the pack view the
  // page's own "Share this page" (it would share the empty builder) and its table of contents are hidden.
  var h1 = document.querySelector(".md-content h1");
  var builderTitle = h1.firstChild.textContent;
  var builderDocTitle = document.title;
  function setHeading(text) {
    var isView = text !== builderTitle;
    h1.firstChild.textContent = text;
    document.title = isView ? text + " - " + data.site_name : builderDocTitle;
    document.body.classList.toggle("packs-viewing", isView);   // stylesheets/packs.css hides the share button and contents
    if (isView) { h1.setAttribute("tabindex", "-1"); h1.focus(); }
  }

  // ------------------------------------------------------------------ the builder (what a clinician uses)
  var chosen = [];   // ids, in the order they were ticked (then moved)

  function checkboxFor(id) {
    return root.querySelector('input[type="checkbox"][data-id="' + id + '"]');
  }

  function option(id, extraClass) {
    var item = data.items[id];
    var domId = "pick-" + id.replace(/[^a-z0-9]+/g, "-");
    var wrap = el("div", { "class": "pack-option " + (extraClass || "") });
    var box = el("input", { type: "checkbox", id: domId, "data-id": id });
    var label = el("label", { "for": domId });
    label.appendChild(document.createTextNode(item.kind === "worksheet" ? "Worksheet: " + item.title : item.title));
    wrap.appendChild(box);
    wrap.appendChild(label);
    return wrap;
  }

  function buildChoices() {
    var host = $("pack-choices");
    host.textContent = "";
    data.groups.forEach(function (group) {
      var fieldset = el("fieldset", { "class": "pack-group" });
      fieldset.appendChild(el("legend", {}, group.title));
      group.pages.forEach(function (pageId) {
        var page = data.items[pageId];
        var block = el("div", { "class": "pack-page" });
        var pageOption = option(pageId, "pack-option--page");
        var descId = "desc-" + pageId.replace(/[^a-z0-9]+/g, "-");
        pageOption.querySelector("input").setAttribute("aria-describedby", descId);
        block.appendChild(pageOption);
        block.appendChild(el("p", { "class": "pack-option__desc", id: descId }, page.description));
        (page.worksheets || []).forEach(function (sheetId) { block.appendChild(option(sheetId, "pack-option--worksheet")); });
        if ((page.sections || []).length) {
          var details = el("details", { "class": "pack-sections" });
          details.appendChild(el("summary", {}, "Sections of this page (" + page.sections.length + ")"));
          page.sections.forEach(function (sectionId) { details.appendChild(option(sectionId, "pack-option--section")); });
          block.appendChild(details);
        }
        fieldset.appendChild(block);
      });
      host.appendChild(fieldset);
    });
  }

  function renderChosen() {
    var list = $("pack-chosen");
    list.textContent = "";
    chosen.forEach(function (id, index) {
      var item = data.items[id];
      var li = el("li", { "class": "pack-chosen__item" });
      li.appendChild(el("span", { "class": "pack-chosen__title" },
        (item.kind === "worksheet" ? "Worksheet: " : item.kind === "section" ? "Section: " : "") + item.title));
      [["Up", -1, "Move up"], ["Down", 1, "Move down"]].forEach(function (spec) {
        var button = el("button", { type: "button", "class": "md-button pack-move", "aria-label": spec[2] + ": " + item.title }, spec[0]);
        button.disabled = (spec[1] < 0 && index === 0) || (spec[1] > 0 && index === chosen.length - 1);
        button.addEventListener("click", function () { move(index, spec[1], spec[2]); });
        li.appendChild(button);
      });
      var remove = el("button", { type: "button", "class": "md-button pack-remove", "aria-label": "Remove: " + item.title }, "Remove");
      remove.addEventListener("click", function () {
        var box = checkboxFor(id);
        if (box) box.checked = false;
        chosen.splice(index, 1);
        update("Removed " + item.title + ".");
        var next = $("pack-chosen").querySelectorAll(".pack-remove")[Math.min(index, chosen.length - 1)];
        (next || $("pack-note")).focus();
      });
      li.appendChild(remove);
      list.appendChild(li);
    });
    $("pack-chosen-empty").hidden = chosen.length > 0;
    $("pack-count").textContent = chosen.length === 1 ? "1 item chosen" : chosen.length + " items chosen";
  }

  function move(index, step, verb) {
    var to = index + step;
    if (to < 0 || to >= chosen.length) return;
    var id = chosen.splice(index, 1)[0];
    chosen.splice(to, 0, id);
    update(data.items[id].title + " is now number " + (to + 1) + ".");
    var buttons = $("pack-chosen").children[to].querySelectorAll(".pack-move");
    var again = buttons[step < 0 ? 0 : 1];
    (again.disabled ? buttons[step < 0 ? 1 : 0] : again).focus();
  }

  function say(text) {
    var status = $("pack-status");
    status.textContent = "";
    setTimeout(function () { status.textContent = text; }, 50);
  }

  function currentNote() { return cleanNote($("pack-note").value).slice(0, MAX_NOTE); }

  function update(message) {
    renderChosen();
    var result = $("pack-result");
    result.hidden = chosen.length === 0;
    if (chosen.length) {
      var link = packLink(chosen, currentNote());
      $("pack-link").value = link;
      $("pack-open").setAttribute("href", packsPage + "#" + link.split("#")[1]);
      var qrHost = $("pack-qr");
      qrHost.textContent = "";
      qrHost.appendChild(qrSvg(link, "QR code of the pack link").svg);
      var pdfs = pdfList(chosen);
      $("pack-pdf-count").textContent = pdfs.length
        ? "The PDF will have a cover page and " + pdfs.length + (pdfs.length === 1 ? " handout or worksheet." : " handouts and worksheets.")
        : "None of the chosen items has a handout or worksheet, so the PDF will only have the cover page.";
    }
    $("pack-pdf-done").textContent = "";
    if (message) say(message);
  }

  // The PDFs a pack prints, in order, once each: a page's handout, a section's page handout, a worksheet.
  function pdfList(ids) {
    var seen = {}, out = [];
    ids.forEach(function (id) {
      var pdf = data.items[id].pdf;
      if (pdf && !seen[pdf]) { seen[pdf] = true; out.push({ id: id, pdf: pdf }); }
    });
    return out;
  }

  function wireBuilder() {
    buildChoices();
    root.addEventListener("change", function (event) {
      var box = event.target;
      if (!box.matches('input[type="checkbox"][data-id]')) return;
      var id = box.getAttribute("data-id"), at = chosen.indexOf(id);
      if (box.checked && at < 0) chosen.push(id);
      if (!box.checked && at >= 0) chosen.splice(at, 1);
      update((box.checked ? "Added " : "Removed ") + data.items[id].title + ". " +
             (chosen.length === 1 ? "1 item" : chosen.length + " items") + " in the pack.");
    });
    var note = $("pack-note");
    note.setAttribute("maxlength", MAX_NOTE);
    note.addEventListener("input", function () {
      $("pack-note-count").textContent = (MAX_NOTE - note.value.length) + " characters left";
      if (chosen.length) update();
    });
    $("pack-note-count").textContent = MAX_NOTE + " characters left";
    $("pack-copy").addEventListener("click", function () {
      var link = $("pack-link").value;
      if (navigator.clipboard && navigator.clipboard.writeText) {
        navigator.clipboard.writeText(link).then(function () { say("Pack link copied."); },
          function () { $("pack-link").select(); say("Select the link and copy it."); });
      } else { $("pack-link").select(); say("Select the link and copy it."); }
    });
    $("pack-print-qr").addEventListener("click", function () { window.print(); });
    var pdfButton = $("pack-pdf");
    if (offline) {
      pdfButton.hidden = true;
      $("pack-pdf-offline").hidden = false;
    } else {
      pdfButton.addEventListener("click", makePdf);
    }
    update();
  }

  // ------------------------------------------------------------------ the PDF, made on this device
  var building = false;

  // pdf-lib (about 200 KB compressed) is fetched only when a PDF is asked for, from this site.
  var pdfLib = null;
  function loadPdfLib() {
    if (window.PDFLib) return Promise.resolve(window.PDFLib);
    if (!pdfLib) {
      pdfLib = new Promise(function (resolve, reject) {
        var tag = el("script", { src: siteRoot + data.pdf_lib });
        tag.addEventListener("load", function () { resolve(window.PDFLib); });
        tag.addEventListener("error", function () { pdfLib = null; reject(new Error("the PDF tool did not load")); });
        document.head.appendChild(tag);
      });
    }
    return pdfLib;
  }

  function fetchPdf(path) {
    return fetch(siteRoot + path, { credentials: "omit", cache: "default" }).then(function (response) {
      if (!response.ok) throw new Error(path + ": " + response.status);
      return response.arrayBuffer();
    });
  }

  function makePdf() {
    if (building || !chosen.length) return;
    building = true;
    var button = $("pack-pdf"), done = $("pack-pdf-done");
    button.disabled = true;
    button.setAttribute("aria-busy", "true");
    done.textContent = "";
    say("Making the PDF. This can take a few seconds.");
    var started = performance.now();
    var ids = chosen.slice(), note = currentNote(), link = packLink(ids, note);
    var parts = pdfList(ids);
    Promise.all([loadPdfLib()].concat(parts.map(function (part) { return fetchPdf(part.pdf); }))).then(function (loaded) {
      var buffers = loaded.slice(1);
      return window.BELONGING_PACKS_PDF.merge({ data: data, cover: COVER, qrSvg: qrSvg },
                                             ids, note, link, parts, buffers);
    }).then(function (bytes) {
      var blob = new Blob([bytes], { type: "application/pdf" });
      var a = $("pack-pdf-download");
      if (a.getAttribute("href")) URL.revokeObjectURL(a.getAttribute("href"));
      a.setAttribute("href", URL.createObjectURL(blob));
      a.setAttribute("download", "belonging-guide-pack-" + new Date().toISOString().slice(0, 10) + ".pdf");
      a.hidden = false;
      var seconds = (performance.now() - started) / 1000;
      root.setAttribute("data-pdf-ms", String(Math.round(performance.now() - started)));
      root.setAttribute("data-pdf-bytes", String(bytes.length));
      done.textContent = "Your PDF is ready (" + Math.max(1, Math.round(bytes.length / 1024)) + " KB, made in " +
        seconds.toFixed(1) + " s). Save it with the link below.";
      a.focus();
    }).catch(function (error) {
      done.textContent = "Sorry, the PDF could not be made (" + error.message + "). The pack link still works.";
    }).then(function () {
      building = false;
      button.disabled = false;
      button.removeAttribute("aria-busy");
    });
  }

  // ------------------------------------------------------------------ start
  // The pack lives in the address's #fragment, so a reload or a bookmark keeps it. Material's
  // navigation.tracking rewrites the fragment as the reader scrolls (history.replaceState, to the nearest
  // heading or to none); on this page, while a pack is shown, such a rewrite keeps the pack's fragment.
  var viewHash = "";
  var replaceState = history.replaceState;
  history.replaceState = function (state, title, url) {
    if (viewHash && url !== undefined && url !== null) {
      var next = new URL(String(url), location.href);
      if (next.pathname === location.pathname && next.hash !== viewHash) { next.hash = viewHash; url = next.href; }
    }
    return replaceState.call(history, state, title, url);
  };

  // On hashchange, the fragment from the event: Material's navigation.tracking may already have rewritten
  // the address (it drops the hash at the top of a page) by the time the event is handled.
  function route(event) {
    var hash = event && event.newURL ? new URL(event.newURL).hash : location.hash;
    if (/^#(.*&)?[in]=/.test(hash)) {
      viewHash = hash;
      if (location.hash !== hash) history.replaceState(null, "", hash);   // put back what tracking took
      showPack(parseFragment(hash));
    }
    else { viewHash = ""; showBuilder(); }
  }

  root.classList.add("packs--ready");
  wireBuilder();
  route();
  window.addEventListener("hashchange", route);
  $("pack-view-make").addEventListener("click", function (event) {
    event.preventDefault();
    viewHash = "";
    history.pushState(null, "", location.pathname + location.search);
    showBuilder();
    $("your-pack").focus();
  });
  // For tests and the bench: the parser alone, with no side effects.
  window.BELONGING_PACKS_PARSE = parseFragment;
})();
