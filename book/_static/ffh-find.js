/* Far from home: "Find your area". Turns each finder form (form[data-ffh-find]) into a typeahead: as you type
   a council or constituency name (or part of one, or a GSS code), up to 8 matches are listed; Enter or a click
   opens the highlighted one (a council's page, or a constituency's entry in the list of areas). Keyboard:
   Down/Up move through the matches, Enter opens, Escape closes the list. Without this script the form opens
   the list of every area (areas.html), which this script then filters by the words typed. The index of areas
   (_static/ffh-areas.json, built from data/) is fetched the first time the box is used. */
(function () {
  "use strict";

  var MAX_RESULTS = 8;
  var indexes = {};

  function normalise(text) {
    return (text || "").toLowerCase()
      .replace(/\u2019/g, "'").replace(/&/g, " and ").replace(/'/g, "")
      .replace(/[^a-z0-9]+/g, " ").trim();
  }

  function loadIndex(url) {
    if (!indexes[url]) {
      indexes[url] = window.fetch(url, { credentials: "same-origin" })
        .then(function (response) {
          if (!response.ok) { throw new Error("HTTP " + response.status); }
          return response.json();
        })
        .then(function (entries) {
          entries.forEach(function (entry) {
            entry.key = normalise(entry.n);
            entry.code = (entry.c || "").toLowerCase();
          });
          return entries;
        });
    }
    return indexes[url];
  }

  /* Rank: the exact name, then names starting with the words typed, then names with a word starting so,
     then names containing them; councils before constituencies; then alphabetically. */
  function rank(entry, query) {
    if (entry.key === query || entry.code === query) { return 0; }
    if (entry.key.indexOf(query) === 0) { return 1; }
    if ((" " + entry.key).indexOf(" " + query) >= 0) { return 2; }
    if (entry.key.indexOf(query) >= 0) { return 3; }
    return -1;
  }

  function search(entries, text) {
    var query = normalise(text);
    if (!query) { return []; }
    var found = [];
    entries.forEach(function (entry) {
      var score = rank(entry, query);
      if (score >= 0) { found.push({ entry: entry, score: score }); }
    });
    found.sort(function (a, b) {
      return a.score - b.score ||
        (a.entry.k === b.entry.k ? 0 : (a.entry.k === "council" ? -1 : 1)) ||
        a.entry.n.localeCompare(b.entry.n);
    });
    return found.slice(0, MAX_RESULTS).map(function (item) { return item.entry; });
  }

  function setUp(form, number) {
    var input = form.querySelector("input[name='q']");
    if (!input || form.getAttribute("data-ffh-ready")) { return; }
    form.setAttribute("data-ffh-ready", "true");
    var indexUrl = form.getAttribute("data-ffh-index");
    var root = indexUrl.replace(/_static\/ffh-areas\.json$/, "");
    var listId = (input.id || "ffh-find-" + number) + "-results";
    var list = document.createElement("ul");
    list.id = listId;
    list.className = "ffh-find-results";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", "Matching councils and constituencies");
    list.hidden = true;
    var status = document.createElement("p");
    status.className = "ffh-visually-hidden";
    status.setAttribute("role", "status");
    form.appendChild(list);
    form.appendChild(status);
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", listId);

    var results = [];
    var active = -1;
    var latest = 0;

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
    }

    function go(index) {
      if (results[index]) { window.location.href = root + results[index].u; }
    }

    function render() {
      list.textContent = "";
      results.forEach(function (entry, index) {
        var option = document.createElement("li");
        option.id = listId + "-" + index;
        option.setAttribute("role", "option");
        option.setAttribute("aria-selected", index === active ? "true" : "false");
        option.className = "ffh-find-option" + (index === active ? " ffh-find-active" : "");
        var name = document.createElement("span");
        name.className = "ffh-find-name";
        name.textContent = entry.n;
        var detail = document.createElement("span");
        detail.className = "ffh-find-detail";
        detail.textContent = entry.t;
        option.appendChild(name);
        option.appendChild(detail);
        option.addEventListener("mousedown", function (event) { event.preventDefault(); });
        option.addEventListener("click", function () { go(index); });
        list.appendChild(option);
      });
      if (results.length) {
        list.hidden = false;
        input.setAttribute("aria-expanded", "true");
        if (active >= 0) {
          input.setAttribute("aria-activedescendant", listId + "-" + active);
        } else {
          input.removeAttribute("aria-activedescendant");
        }
      } else {
        close();
      }
      status.textContent = input.value.trim() ?
        (results.length ? results.length + (results.length === 1 ? " match" : " matches") + ": use the arrow keys, then Enter" :
          "No council or constituency matches. Press Enter to see every area.") : "";
    }

    function update() {
      var asked = ++latest;
      loadIndex(indexUrl).then(function (entries) {
        if (asked !== latest) { return; }
        results = search(entries, input.value);
        active = results.length ? 0 : -1;  // the first match is chosen unless another is picked
        render();
      }, function () {
        results = [];
        close();
      });
    }

    input.addEventListener("input", update);
    input.addEventListener("focus", function () { loadIndex(indexUrl).catch(function () { return null; }); });
    input.addEventListener("keydown", function (event) {
      if (event.key === "ArrowDown" || event.key === "Down") {
        event.preventDefault();
        if (list.hidden && input.value.trim()) { update(); return; }
        if (results.length) { active = (active + 1) % results.length; render(); }
      } else if (event.key === "ArrowUp" || event.key === "Up") {
        event.preventDefault();
        if (results.length) { active = active <= 0 ? results.length - 1 : active - 1; render(); }
      } else if (event.key === "Enter") {
        if (!list.hidden && results.length) {
          event.preventDefault();
          go(active >= 0 ? active : 0);
        }
      } else if (event.key === "Escape" || event.key === "Esc") {
        if (!list.hidden) { event.preventDefault(); close(); }
      }
    });
    input.addEventListener("blur", function () { window.setTimeout(close, 150); });
  }

  /* On the list of areas (areas.html?q=...): show only the areas matching the words typed. */
  function filterAreaList() {
    var items = document.querySelectorAll("[data-ffh-area]");
    if (!items.length) { return; }
    var params = new URLSearchParams(window.location.search);
    var text = params.get("q");
    if (!text) { return; }
    var query = normalise(text);
    var shown = 0;
    Array.prototype.forEach.call(items, function (item) {
      var match = normalise(item.getAttribute("data-ffh-area")).indexOf(query) >= 0;
      item.hidden = !match;
      if (match) { shown += 1; }
    });
    Array.prototype.forEach.call(document.querySelectorAll("form[data-ffh-find] input[name='q']"), function (input) {
      if (!input.value) { input.value = text; }
    });
    var list = document.querySelector(".ffh-area-list");
    if (!list) { return; }
    var note = document.createElement("p");
    note.className = "ffh-find-filtered";
    note.setAttribute("role", "status");
    note.textContent = shown + (shown === 1 ? " area matches" : " areas match") + " \u201c" + text + "\u201d. ";
    var all = document.createElement("a");
    all.href = window.location.pathname;
    all.textContent = "Show every area";
    note.appendChild(all);
    list.parentNode.insertBefore(note, list);
  }

  function start() {
    Array.prototype.forEach.call(document.querySelectorAll("form[data-ffh-find]"), setUp);
    filterAreaList();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
}());
