/* Far from home: the site's own script (no CDN, no framework).
   - Menu: the "Chapters" and "Contents" buttons (book/_templates/ffh-*.html). Narrow screens: each opens its
     sidebar as a modal dialog (Escape, the Close button or a tap outside closes it; focus returns to the
     button). Wide screens: "Chapters" shows or hides the sidebar. aria-expanded follows the state.
   - Charts: drawn with the site's own Vega bundle (_static/vendor/vega-bundle.js, no CDN).
   - Citations: the page address and access date; "Copy citation" buttons. */
(function () {
  "use strict";

  var MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December"];

  var WIDE = "(min-width: 992px)";       // sphinx-book-theme: from here the chapters sit beside the page
  var CONTENTS_BESIDE = "(min-width: 1200px)";  // and from here the page's contents too

  function each(selector, callback, root) {
    Array.prototype.forEach.call((root || document).querySelectorAll(selector), callback);
  }

  // ------------------------------------------------------------------------------------------ menu

  var CLOSE_ICON = '<svg class="ffh-icon" viewBox="0 0 16 16" width="16" height="16" aria-hidden="true" ' +
    'focusable="false"><path d="M3.4 2 8 6.6 12.6 2 14 3.4 9.4 8 14 12.6 12.6 14 8 9.4 3.4 14 2 12.6 6.6 8 2 ' +
    '3.4z"/></svg>';

  function moveContent(from, to) {
    while (from.firstChild) { to.appendChild(from.firstChild); }
    Array.prototype.slice.call(from.classList).forEach(function (name) {
      from.classList.remove(name);
      to.classList.add(name);
    });
  }

  /* A sidebar shown as a modal dialog: its content (and classes, so the theme's drawer styles apply) moves
     into the theme's empty <dialog> while it is open, and back when it closes. */
  function Drawer(button, sidebar, dialog, label) {
    var closeButton = null;
    var opened = false;
    var self = this;

    this.isOpen = function () { return dialog.open; };

    this.open = function () {
      if (dialog.open) { return; }
      opened = true;
      moveContent(sidebar, dialog);
      dialog.setAttribute("aria-label", label);
      closeButton = document.createElement("button");
      closeButton.type = "button";
      closeButton.className = "ffh-dialog-close";
      closeButton.innerHTML = CLOSE_ICON + '<span class="ffh-button-text">Close</span>';
      closeButton.setAttribute("aria-label", "Close " + label.toLowerCase());
      closeButton.addEventListener("click", function () { self.close(); });
      dialog.insertBefore(closeButton, dialog.firstChild);
      dialog.showModal();
      button.setAttribute("aria-expanded", "true");
    };

    // put the sidebar back and say so at once (the dialog's "close" event comes a moment later)
    function finish() {
      if (!opened) { return; }
      opened = false;
      if (closeButton && closeButton.parentNode === dialog) { dialog.removeChild(closeButton); }
      closeButton = null;
      moveContent(dialog, sidebar);
      button.setAttribute("aria-expanded", "false");
      if (button.offsetParent !== null) { button.focus(); }
    }

    this.close = function () {
      if (dialog.open) { dialog.close(); }
      finish();
    };

    dialog.addEventListener("close", finish);
    // Sphinx's sphinx_highlight.js swallows Escape, so close the dialog here
    dialog.addEventListener("keydown", function (event) {
      if (event.key === "Escape") {
        event.preventDefault();
        event.stopPropagation();
        self.close();
      }
    });
    dialog.addEventListener("click", function (event) {
      if (event.target === dialog) {  // the backdrop (the dialog's own padding is covered by its content)
        var box = dialog.getBoundingClientRect();
        if (event.clientX < box.left || event.clientX > box.right || event.clientY < box.top ||
            event.clientY > box.bottom) {
          self.close();
          return;
        }
      }
      var link = event.target.closest ? event.target.closest("a[href]") : null;
      if (link && link.pathname === window.location.pathname && link.hash) {
        self.close();  // a section of this page: close, then the browser follows the link
      }
    });
  }

  function setupMenu() {
    var primaryButton = document.querySelector("button[data-ffh-toggle='primary']");
    var primary = document.getElementById("pst-primary-sidebar");
    var primaryDialog = document.getElementById("pst-primary-sidebar-modal");
    if (primaryButton && primary && primaryDialog) {
      var chapters = new Drawer(primaryButton, primary, primaryDialog, "Chapters");
      var wide = window.matchMedia(WIDE);
      var sync = function () {
        if (wide.matches) {
          chapters.close();
          primaryButton.setAttribute("aria-expanded",
            primary.classList.contains("pst-sidebar-hidden") ? "false" : "true");
        } else {
          primaryButton.setAttribute("aria-expanded", chapters.isOpen() ? "true" : "false");
        }
      };
      primaryButton.addEventListener("click", function () {
        if (wide.matches) {
          var hidden = primary.classList.toggle("pst-sidebar-hidden");
          document.body.classList.toggle("ffh-chapters-hidden", hidden);
          primaryButton.setAttribute("aria-expanded", hidden ? "false" : "true");
        } else {
          chapters.open();
        }
      });
      if (wide.addEventListener) { wide.addEventListener("change", sync); }
      sync();
    }

    var secondaryButton = document.querySelector("button[data-ffh-toggle='secondary']");
    var secondary = document.getElementById("pst-secondary-sidebar");
    var secondaryDialog = document.getElementById("pst-secondary-sidebar-modal");
    if (secondaryButton && secondary && secondaryDialog) {
      var contents = new Drawer(secondaryButton, secondary, secondaryDialog, "Contents");
      secondaryButton.addEventListener("click", function () { contents.open(); });
      var beside = window.matchMedia(CONTENTS_BESIDE);
      if (beside.addEventListener) {
        beside.addEventListener("change", function () { if (beside.matches) { contents.close(); } });
      }
    } else if (secondaryButton) {
      secondaryButton.hidden = true;  // no contents on this page
    }
  }

  function fixThemeLabels() {
    // The theme's search field button says "Search Ctrl+K" but is labelled just "Search" (WCAG 2.5.3,
    // label in name): let its visible text be its name. Icon-only buttons keep their aria-label.
    each("button.search-button__button[aria-label]", function (b) {
      if (b.textContent.replace(/\s+/g, "").length > 0) { b.removeAttribute("aria-label"); }
    });
  }

  function today() {
    var d = new Date();
    return d.getDate() + " " + MONTHS[d.getMonth()] + " " + d.getFullYear();
  }

  function chartFailed(container, message) {
    container.setAttribute("data-ffh-rendered", "error");
    var note = document.createElement("p");
    note.className = "ffh-chart-error";
    note.textContent = "The interactive chart could not be drawn. The numbers are in the table below and the " +
      "chart is available as PNG and SVG downloads.";
    container.appendChild(note);
    if (window.console) { window.console.error("Far from home chart: " + message); }
  }

  function drawCharts() {
    var containers = document.querySelectorAll(".ffh-chart[data-ffh-spec]");
    Array.prototype.forEach.call(containers, function (container) {
      if (container.getAttribute("data-ffh-rendered")) { return; }
      var specNode = document.getElementById(container.getAttribute("data-ffh-spec"));
      if (typeof window.vegaEmbed !== "function") {
        chartFailed(container, "vega bundle not loaded");
        return;
      }
      var spec;
      try {
        spec = JSON.parse(specNode.textContent);
      } catch (error) {
        chartFailed(container, "bad chart specification: " + error);
        return;
      }
      var target = document.createElement("div");
      target.className = "ffh-chart-canvas";
      container.appendChild(target);
      container.setAttribute("data-ffh-rendered", "pending");
      window.vegaEmbed(target, spec, { mode: "vega-lite", actions: false, renderer: "svg" })
        .then(function () { container.setAttribute("data-ffh-rendered", "true"); })
        .catch(function (error) { chartFailed(container, String(error)); });
    });
  }

  function fillCitations() {
    var pageUrl = window.location.href.split("#")[0];
    Array.prototype.forEach.call(document.querySelectorAll(".ffh-page-url"), function (node) {
      var text = node.textContent;
      if (!/^https?:\/\//.test(text) && /^https?:/.test(window.location.protocol)) {
        var anchor = text.indexOf("#") >= 0 ? text.slice(text.indexOf("#")) : "";
        node.textContent = pageUrl + anchor;
      }
    });
    Array.prototype.forEach.call(document.querySelectorAll(".ffh-accessed"), function (node) {
      node.textContent = today();
    });
  }

  function copyText(text, button) {
    function done(ok) {
      var status = button.parentNode.querySelector(".ffh-copy-status");
      if (!status) {
        status = document.createElement("span");
        status.className = "ffh-copy-status";
        status.setAttribute("role", "status");
        button.parentNode.insertBefore(status, button.nextSibling);
      }
      status.textContent = ok ? "Citation copied" : "Select the citation text and copy it";
    }
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(function () { done(true); }, function () { done(false); });
      return;
    }
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "absolute";
    area.style.left = "-9999px";
    document.body.appendChild(area);
    area.select();
    var ok = false;
    try { ok = document.execCommand("copy"); } catch (error) { ok = false; }
    document.body.removeChild(area);
    done(ok);
  }

  function wireCopyButtons() {
    Array.prototype.forEach.call(document.querySelectorAll("button.ffh-copy[data-ffh-copy]"), function (button) {
      button.addEventListener("click", function () {
        var source = document.getElementById(button.getAttribute("data-ffh-copy"));
        if (source) { copyText(source.textContent.replace(/\s+/g, " ").trim(), button); }
      });
    });
  }

  function start() {
    setupMenu();
    fixThemeLabels();
    fillCitations();
    wireCopyButtons();
    if (typeof window.vegaEmbed === "function") {
      drawCharts();
    } else {
      window.addEventListener("load", drawCharts);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
}());
