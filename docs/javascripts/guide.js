// The Belonging Guide: a few lines of our own JavaScript. No third-party code, nothing sent anywhere.

// "Cite this page": copy buttons.
document.addEventListener("click", function (event) {
  var button = event.target.closest(".cite-copy");
  if (!button) return;
  var target = document.getElementById(button.getAttribute("data-copy-target"));
  if (!target || !navigator.clipboard) return;
  var label = button.textContent;
  navigator.clipboard.writeText(target.textContent.trim()).then(function () {
    button.textContent = "Copied";
    setTimeout(function () { button.textContent = label; }, 2000);
  });
});

// Share this page (guide and clinician pages; scripts/hooks/pages.py puts the button under the title):
// the device's share sheet where there is one, else copy the page's published (canonical) link; and
// show the page's QR code (drawn at build time) so someone in the room can scan it.
(function () {
  var box = document.querySelector(".share-page");
  if (!box) return;
  var button = box.querySelector(".share-button");
  var status = box.querySelector(".share-status");
  function say(text) {
    status.textContent = text;
    setTimeout(function () { status.textContent = ""; }, 4000);
  }
  var qr = box.querySelector(".share-qr");
  button.addEventListener("click", function () {
    if (qr) {
      qr.hidden = false;
      button.setAttribute("aria-expanded", "true");
    }
    var url = button.getAttribute("data-share-url");
    var title = button.getAttribute("data-share-title");
    if (navigator.share) {
      navigator.share({ title: title, url: url }).catch(function () {});
    } else if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(url).then(function () { say("Link copied: " + url); },
                                             function () { window.prompt("Copy this link:", url); });
    } else {
      window.prompt("Copy this link:", url);
    }
  });
  // Each heading's permalink (Material's toc permalink, titled "Copy link to this section") copies the
  // section's published link too, and says so under Share this page (what else the click does is Material's).
  document.addEventListener("click", function (event) {
    var link = event.target.closest("article a.headerlink");
    if (!link || !navigator.clipboard || !navigator.clipboard.writeText) return;
    var url = button.getAttribute("data-share-url") + link.getAttribute("href");
    navigator.clipboard.writeText(url).then(function () { say("Link to this section copied: " + url); },
                                            function () {});
  });
})();

// Escape dismisses any open tooltip without moving focus or the pointer (WCAG 1.4.13). It stays
// hidden until focus moves or the pointer goes to something else.
(function () {
  var hovered = null, dismissedOn = null;
  function restore() {
    dismissedOn = null;
    document.querySelectorAll(".guide-tooltip-dismissed").forEach(function (tip) {
      tip.classList.remove("guide-tooltip-dismissed");
    });
  }
  document.addEventListener("mouseover", function (event) {
    hovered = event.target;
    if (dismissedOn && event.target !== dismissedOn) restore();
  });
  document.addEventListener("focusin", function () { if (dismissedOn) restore(); });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape" && event.key !== "Esc") return;
    var open = document.querySelectorAll(".md-tooltip2--active, .md-tooltip--active");
    if (!open.length) return;
    open.forEach(function (tip) { tip.classList.add("guide-tooltip-dismissed"); });
    dismissedOn = hovered || document.body;
  });
})();

// Printing: open every collapsed <details> so the printout has all the text, and close them again
// afterwards (stylesheets/guide.css does the same in print media for browsers without these events).
(function () {
  var opened = [];
  window.addEventListener("beforeprint", function () {
    document.querySelectorAll("details:not([open])").forEach(function (details) {
      details.open = true;
      opened.push(details);
    });
  });
  window.addEventListener("afterprint", function () {
    opened.forEach(function (details) { details.open = false; });
    opened = [];
  });
})();

// Material's search dialog has no accessible name; give it one.
document.querySelectorAll('.md-search[role="dialog"]:not([aria-label])').forEach(function (dialog) {
  dialog.setAttribute("aria-label", "Search this guide");
});
