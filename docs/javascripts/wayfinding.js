// The Belonging Guide: help in the search box and on "Where to start". Nothing is sent or stored.
// The crisis phrases and the crisis card come from javascripts/crisis-data.js, which the build writes
// from includes/crisis-phrases.yml and includes/helplines.yml (scripts/hooks/search.py).

(function () {
  var data = window.guideCrisis;
  var config = document.getElementById("__config");
  var base = config ? JSON.parse(config.textContent).base : ".";

  // The card: the Get help now entry, first in the result list, with the crisis lines to tap.
  function card() {
    var box = document.createElement("li");
    box.className = "crisis-card md-search-result__item";
    box.innerHTML = data.card;
    box.querySelector("a.crisis-card__link").href = base + "/" + data.getHelp;
    return box;
  }

  // "kill my self!" -> " kill my self ", "don't" -> " dont ".
  function normal(text) {
    return " " + text.toLowerCase().replace(/['\u2018\u2019`]/g, "").replace(/[^a-z0-9]+/g, " ").trim() + " ";
  }
  function isCrisis(text) {
    var query = normal(text);
    return data.phrases.some(function (phrase) { return query.indexOf(" " + phrase + " ") !== -1; });
  }

  // Search: the card goes above every result while the query holds a crisis phrase. Material redraws
  // the list on each keystroke, so the card is put back whenever the list changes.
  var input = document.querySelector("input.md-search__input");
  var list = document.querySelector(".md-search-result__list");
  if (data && input && list) {
    var searchCard = null;
    var update = function () {
      if (isCrisis(input.value)) {
        searchCard = searchCard || card();
        if (list.firstChild !== searchCard) list.insertBefore(searchCard, list.firstChild);
      } else if (searchCard && searchCard.parentNode) {
        searchCard.parentNode.removeChild(searchCard);
      }
    };
    input.addEventListener("input", update);
    new MutationObserver(update).observe(list, { childList: true });
  }

  // Where to start: the questions are shown, and the plain list of routes gives way to the pages for
  // the reader's answers. Without JavaScript the questions stay hidden and the whole list shows.
  var form = document.querySelector("form.where-to-start");
  var routes = document.querySelector(".where-to-start-routes");
  if (!form || !routes) return;
  var result = document.querySelector(".where-to-start-result");
  form.hidden = false;
  routes.hidden = true;
  function show() {
    var chosen = {};
    form.querySelectorAll("input:checked").forEach(function (box) { chosen[box.name] = box.value; });
    var wanted = [];
    ["happening", "how-long", "feeling"].forEach(function (name) {
      var item = chosen[name] && routes.querySelector('[data-route="' + chosen[name] + '"]');
      if (item) wanted[item.hasAttribute("data-crisis") ? "unshift" : "push"](item);
    });
    var body = result.querySelector(".where-to-start-result__body");
    body.textContent = "";
    wanted.forEach(function (item) { body.appendChild(item.cloneNode(true)); });
    result.hidden = !wanted.length;
    return wanted.length;
  }
  form.addEventListener("change", show);
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (show()) result.querySelector("h2").focus();
  });
  show();
})();
