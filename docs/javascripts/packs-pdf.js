// The reading pack's PDF, merged on this device with pdf-lib (docs/javascripts/packs.js calls
// BELONGING_PACKS_PDF.merge once pdf-lib and the parts have loaded): a cover (title, the clinician's
// note, contents with page numbers, the crisis lines, a QR code of the pack link), then every part's
// pages, form fields kept. Loaded only on /packs/ (scripts/hooks/packs.py: SCRIPTS).
(function () {
  "use strict";
  var data, COVER, qrSvg;   // from packs.js, at each merge: the catalogue, the cover's words, the QR encoder

  // pdf-lib's standard fonts cover Windows-1252 only; anything else prints as '?'.
  function printable(font, text) {
    var out = "";
    for (var i = 0; i < text.length; i++) {
      var ch = text[i];
      try { font.encodeText(ch); out += ch; } catch (e) { out += "?"; }
    }
    return out;
  }

  function wrap(font, size, text, width) {
    var lines = [];
    String(text).split("\n").forEach(function (paragraph) {
      var line = "";
      paragraph.split(/\s+/).forEach(function (word) {
        if (!word) return;
        while (font.widthOfTextAtSize(word, size) > width) {   // a very long word: break it
          var cut = word.length - 1;
          while (cut > 1 && font.widthOfTextAtSize(word.slice(0, cut), size) > width) cut -= 1;
          if (line) { lines.push(line); line = ""; }
          lines.push(word.slice(0, cut));
          word = word.slice(cut);
        }
        var trial = line ? line + " " + word : word;
        if (font.widthOfTextAtSize(trial, size) > width && line) { lines.push(line); line = word; }
        else line = trial;
      });
      lines.push(line);
    });
    return lines;
  }

  function crisisLines() {
    var box = document.querySelector("#pack-crisis .crisis-help");
    if (!box) return [];
    var lines = [];
    box.querySelectorAll("p, li").forEach(function (node) {
      if (node.closest("li") && node.tagName === "P") return;
      var text = node.textContent.replace(/\s+/g, " ").trim();
      if (/^More help:/.test(text)) text = "More help: " + data.help_url;
      lines.push({ text: text, bold: node.classList.contains("crisis-help__title") });
    });
    return lines;
  }

  function mergePdf(context, ids, note, link, parts, buffers) {
    data = context.data; COVER = context.cover; qrSvg = context.qrSvg;
    var L = window.PDFLib;
    var out, font, bold;
    return L.PDFDocument.create().then(function (doc) {
      out = doc;
      return Promise.all([out.embedFont(L.StandardFonts.Helvetica), out.embedFont(L.StandardFonts.HelveticaBold)]);
    }).then(function (fonts) {
      font = fonts[0]; bold = fonts[1];
      return Promise.all(buffers.map(function (buffer) { return L.PDFDocument.load(buffer); }));
    }).then(function (docs) {
      var startPages = [], next = 2;
      docs.forEach(function (doc) { startPages.push(next); next += doc.getPageCount(); });
      // Page numbers in the contents depend on how many cover pages there are: draw, and redraw once if
      // the cover ran onto a second page.
      var covers = drawCover(L, out, font, bold, ids, note, link, parts, startPages, 1);
      if (covers !== 1) {
        for (var k = covers - 1; k >= 0; k--) out.removePage(k);
        drawCover(L, out, font, bold, ids, note, link, parts, startPages, covers);
      }
      var form = out.catalog.getOrCreateAcroForm();
      var dr = out.context.obj({});
      var fonts = out.context.obj({}), states = out.context.obj({});
      dr.set(L.PDFName.of("Font"), fonts);
      dr.set(L.PDFName.of("ExtGState"), states);
      var chain = Promise.resolve();
      docs.forEach(function (doc, index) {
        chain = chain.then(function () {
          var prefix = "p" + (index + 1) + "-";
          var fields = [];
          var source = doc.catalog.getAcroForm();
          if (source) {
            // Field names are unique within a worksheet, not across them: prefix them, so two sheets
            // that both have "name" stay two fields.
            source.getAllFields().forEach(function (pair) {
              var dict = pair[0].dict;
              if (!dict.get(L.PDFName.of("Parent"))) {
                var t = dict.lookup(L.PDFName.of("T"));
                if (t) dict.set(L.PDFName.of("T"), L.PDFString.of(prefix + t.decodeText()));
              }
            });
            var srcDr = source.dict.lookup(L.PDFName.of("DR"));
            if (srcDr) {
              var copier = L.PDFObjectCopier.for(doc.context, out.context);
              [["Font", fonts], ["ExtGState", states]].forEach(function (kind) {
                var sub = srcDr.lookup(L.PDFName.of(kind[0]));
                if (!sub) return;
                sub.entries().forEach(function (entry) {
                  if (!kind[1].get(entry[0])) kind[1].set(entry[0], copier.copy(entry[1]));
                });
              });
            }
          }
          return out.copyPages(doc, doc.getPageIndices()).then(function (pages) {
            pages.forEach(function (page) {
              out.addPage(page);
              var annots = page.node.Annots();
              if (!annots) return;
              for (var i = 0; i < annots.size(); i++) {
                var ref = annots.get(i), annot = out.context.lookup(ref);
                if (!annot || !annot.get || !annot.get(L.PDFName.of("Subtype")) ||
                    annot.get(L.PDFName.of("Subtype")).toString() !== "/Widget") continue;
                // The field a widget belongs to: itself, or its topmost parent.
                var top = ref, dict = annot;
                while (dict.get(L.PDFName.of("Parent"))) {
                  top = dict.get(L.PDFName.of("Parent"));
                  dict = out.context.lookup(top);
                }
                if (fields.indexOf(top) < 0) fields.push(top);
                annot.set(L.PDFName.of("P"), page.ref);
              }
            });
            fields.forEach(function (ref) { form.addField(ref); });
          });
        });
      });
      return chain.then(function () {
        if (docs.some(function (doc) { return doc.catalog.getAcroForm(); })) {
          form.dict.set(L.PDFName.of("DR"), dr);
          form.dict.set(L.PDFName.of("NeedAppearances"), L.PDFBool.True);
        }
        out.setTitle("Reading pack - " + data.site_name);
        out.setLanguage("en");
        out.setCreator(data.site_name);
        out.setProducer(data.site_name);
        return out.save({ useObjectStreams: true, updateFieldAppearances: false });
      });
    });
  }

  // The cover: title, date, the note, the contents (with each item's first page), the crisis box,
  // and the pack link's QR code top right. A long pack flows onto a second cover page.
  function drawCover(L, out, font, bold, ids, note, link, parts, startPages, expected) {
    var W = 595.28, H = 841.89, left = 56, width = W - 2 * left, bottom = 56;   // A4; margins also fit US Letter
    var black = L.rgb(0, 0, 0), grey = L.rgb(0.3, 0.3, 0.3), teal = L.rgb(0, 0.41, 0.36), amber = L.rgb(0.71, 0.33, 0.04);
    var covers = 0, page, y;
    function newPage() { page = out.insertPage(covers, [W, H]); covers += 1; y = H - 64; }
    newPage();
    var qrSize = 120, qrX = W - left - qrSize, qrTop = H - 56, qrBottom = qrTop - qrSize - 30;
    function text(str, size, f, colour, indent) {
      indent = indent || 0;
      var room = (covers === 1 && y > qrBottom) ? width - qrSize - 16 : width;
      wrap(f, size, printable(f, str), room - indent).forEach(function (line) {
        if (y < bottom) newPage();
        page.drawText(line, { x: left + indent, y: y, size: size, font: f, color: colour || black });
        y -= size * 1.35;
      });
    }
    // QR code of the pack link (4-module quiet zone), and what it is for.
    var code = qrSvg(link, "").qr, n = code.getModuleCount(), cell = qrSize / (n + 8);
    var first = page;
    first.drawRectangle({ x: qrX, y: qrTop - qrSize, width: qrSize, height: qrSize, color: L.rgb(1, 1, 1) });
    for (var r = 0; r < n; r++) {
      for (var c = 0; c < n; c++) {
        if (code.isDark(r, c)) {
          first.drawRectangle({ x: qrX + (c + 4) * cell, y: qrTop - (r + 5) * cell, width: cell, height: cell, color: black });
        }
      }
    }
    wrap(font, 8, printable(font, COVER.qr), qrSize).forEach(function (line, index) {
      first.drawText(line, { x: qrX, y: qrTop - qrSize - 10 - index * 10, size: 8, font: font, color: grey });
    });
    text(COVER.title, 22, bold, teal);
    text(data.site_name + " - " + new Date().toLocaleDateString("en-GB", { day: "numeric", month: "long", year: "numeric" }), 10, font, grey);
    y -= 10;
    if (note) {
      text(COVER.note, 11, bold);
      text(note, 11, font);
      y -= 8;
    }
    if (y > qrBottom) y = qrBottom;
    text(COVER.contents, 13, bold);
    var pageOf = {};
    parts.forEach(function (part, index) { pageOf[part.pdf] = startPages[index]; });
    ids.forEach(function (id, index) {
      var item = data.items[id];
      var where = item.pdf ? "page " + (pageOf[item.pdf] + expected - 1) : "online only";
      text((index + 1) + ". " + (item.kind === "worksheet" ? "Worksheet: " : item.kind === "section" ? "Section: " : "") +
           item.title + " (" + where + ")", 10, font, black, 8);
    });
    y -= 14;
    // The crisis box, as on every client page (from the page's own box, which the build wrote from
    // includes/helplines.yml), with a bar down its side. It is never split across pages.
    var crisis = [], height = 0;
    crisisLines().forEach(function (line) {
      var f = line.bold ? bold : font;
      wrap(f, 9, printable(f, line.text), width - 12).forEach(function (piece) { crisis.push([piece, f]); height += 12; });
    });
    if (y - height < bottom) newPage();
    page.drawRectangle({ x: left, y: y - height + 8, width: 3, height: height + 4, color: amber });
    crisis.forEach(function (line) {
      page.drawText(line[0], { x: left + 12, y: y, size: 9, font: line[1], color: black });
      y -= 12;
    });
    return covers;
  }

  window.BELONGING_PACKS_PDF = { merge: mergePdf };
})();
