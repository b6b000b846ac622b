// The Belonging Guide: the search index loads when a reader goes to search, not with every page.
// The index is most of a page's first load (about 100 KB gzip of about 200 KB), and most readers never
// search. Material's bundle asks for search/search_index.json as soon as it starts; this script, which
// runs just before the bundle, holds that one request back until the reader touches or focuses the search
// box (a tap, a click, or the "/", "s" and "f" keys, which focus it), or opens a link with ?q=.
// Nothing else changes: Material's worker builds the index when it arrives and then answers the query
// typed so far. From file:// (the offline edition) Material loads search_index.js instead, untouched.

(function () {
  var xhr = XMLHttpRequest.prototype;
  var open = xhr.open;
  var send = xhr.send;
  var held = [];
  var wanted = /[?&]q=/.test(location.search);

  function isIndex(url) {
    return /(^|\/)search\/search_index\.json$/.test(String(url).split(/[?#]/)[0]);
  }

  xhr.open = function (method, url) {
    this.guideSearchIndex = isIndex(url);
    return open.apply(this, arguments);
  };
  xhr.send = function () {
    if (this.guideSearchIndex && !wanted) {
      held.push([this, arguments]);
      return;
    }
    return send.apply(this, arguments);
  };

  function want() {
    if (wanted) return;
    wanted = true;
    held.splice(0).forEach(function (request) { send.apply(request[0], request[1]); });
  }

  function inSearch(target) {
    return target && target.closest && target.closest(".md-search, label[for='__search']");
  }
  document.addEventListener("pointerdown", function (event) { if (inSearch(event.target)) want(); }, true);
  document.addEventListener("focusin", function (event) { if (inSearch(event.target)) want(); }, true);
  document.addEventListener("change", function (event) {
    if (event.target && event.target.id === "__search") want();
  }, true);
})();
