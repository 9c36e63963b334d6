/* Far from home: the site's own script (no CDN, no framework).
   - Menu: the "Chapters" and "Contents" buttons (book/_templates/ffh-*.html). Narrow screens: each opens its
     sidebar as a modal dialog (Escape, the Close button or a tap outside closes it; focus returns to the
     button). Wide screens: "Chapters" shows or hides the sidebar. aria-expanded follows the state.
   - Charts: each chart is drawn by the site's own Vega (_static/vendor/vega-bundle.js, loaded only by pages
     with charts) at the width of its column, never scaled down, in its narrow layout below the width the page
     data says; redrawn when the column changes width. Hovering shows a chart's figures in a tooltip; a tap or
     click shows them in a line under the chart.
   - Tables: a table wider than its frame gets a bar above it saying so, with a scroll bar.
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

  function debounce(callback, wait) {
    var timer = null;
    return function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(callback, wait);
    };
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

  // ---------------------------------------------------------------------------------------- charts

  var charts = [];
  var tooltipBox = null;
  var hoverless = window.matchMedia ? window.matchMedia("(hover: none)") : { matches: false };

  function chartFailed(container, message) {
    container.setAttribute("data-ffh-rendered", "error");
    if (!container.querySelector(".ffh-chart-error")) {
      var note = document.createElement("p");
      note.className = "ffh-chart-error";
      note.textContent = "The interactive chart could not be drawn. The numbers are in the table below and " +
        "the chart is available as PNG and SVG downloads.";
      container.appendChild(note);
    }
    if (window.console) { window.console.error("Far from home chart: " + message); }
  }

  /* A tooltip value (an object of title: value, or a string) as lines of text. */
  function figureLines(value) {
    if (value === null || value === undefined || value === "") { return []; }
    if (typeof value === "object") {
      return Object.keys(value).map(function (key) {
        return { label: key, value: String(value[key]) };
      });
    }
    return [{ label: "", value: String(value) }];
  }

  function fillFigures(node, lines) {
    node.textContent = "";
    lines.forEach(function (line, index) {
      var part = document.createElement("span");
      part.className = "ffh-figure-part";
      if (line.label) {
        var label = document.createElement("span");
        label.className = "ffh-figure-label";
        label.textContent = line.label + ": ";
        part.appendChild(label);
      }
      part.appendChild(document.createTextNode(line.value));
      node.appendChild(part);
      if (index < lines.length - 1) { node.appendChild(document.createTextNode(" ")); }
    });
  }

  function showTooltip(handler, event, item, value) {
    if (!tooltipBox) {
      tooltipBox = document.createElement("div");
      tooltipBox.className = "ffh-tooltip";
      tooltipBox.setAttribute("aria-hidden", "true");  // the same figures are in the table and the readout
      tooltipBox.hidden = true;
      document.body.appendChild(tooltipBox);
    }
    var lines = figureLines(value);
    if (!lines.length || !event || hoverless.matches) {
      tooltipBox.hidden = true;
      return;
    }
    fillFigures(tooltipBox, lines);
    tooltipBox.hidden = false;
    var x = event.clientX + 14;
    var y = event.clientY + 14;
    var box = tooltipBox.getBoundingClientRect();
    if (x + box.width > window.innerWidth - 8) { x = Math.max(8, event.clientX - box.width - 14); }
    if (y + box.height > window.innerHeight - 8) { y = Math.max(8, event.clientY - box.height - 14); }
    tooltipBox.style.left = x + "px";
    tooltipBox.style.top = y + "px";
  }

  var HREF_FIELD = "_ffh_href";  // the hex maps' link to each council's page (analysis/charts.py)

  function showReadout(chart, item) {
    var lines = item && item.tooltip !== undefined ? figureLines(item.tooltip) : [];
    if (!lines.length) { return; }
    fillFigures(chart.readout, lines);
    var href = item.datum && item.datum[HREF_FIELD];
    if (href) {
      var link = document.createElement("a");
      link.href = href;
      link.textContent = "Open this council's page";
      chart.readout.appendChild(document.createTextNode(" "));
      chart.readout.appendChild(link);
    }
    chart.readout.classList.add("ffh-readout-filled");
  }

  /* A loader for the charts' links. With a mouse a click on a council follows its link (hover has shown
     its figures). On a touch screen the first tap on a council shows its figures in the readout, with the
     link; a second tap on the same council follows it. */
  function linkLoader() {
    var loader = window.vega.loader();
    var sanitize = loader.sanitize;
    var tapped = null;
    loader.sanitize = function (uri, options) {
      if (options && options.context === "href" && hoverless.matches && tapped !== uri) {
        tapped = uri;
        return Promise.reject(new Error("first tap: figures only"));
      }
      return sanitize.call(loader, uri, options);
    };
    return loader;
  }

  function chartWidth(chart) {
    var width = Math.floor(chart.container.getBoundingClientRect().width) || 640;
    return Math.max(200, Math.min(width, chart.layout.maxWidth || width));
  }

  /* The Vega spec for a width (compiled from Vega-Lite when the book was built): the wide or the narrow layout
     with the page's copy of its data, the whole chart (axes and legends included) fitted to the width. Parsed
     afresh each time: Vega marks the data it reads. */
  function specFor(chart, width) {
    var payload = JSON.parse(chart.source.textContent);
    var layout = payload.layout || {};
    var narrow = Boolean(payload.narrow) && width < (layout.narrowBelow || 0);
    var spec = narrow ? payload.narrow : payload.wide;
    (spec.data || []).forEach(function (entry) {
      if (!("values" in entry) && payload.datasets && payload.datasets[entry.name]) {
        entry.values = payload.datasets[entry.name];
      }
    });
    spec.width = width;
    if (narrow && layout.aspect) {
      spec.height = Math.round((width - 16) * layout.aspect);
    }
    return { spec: spec, narrow: narrow };
  }

  function draw(chart) {
    var width = chartWidth(chart);
    if (chart.view && Math.abs(width - chart.width) < 4) { return Promise.resolve(); }
    var built;
    var view;
    var canvas = document.createElement("div");
    canvas.className = "ffh-chart-canvas";
    try {
      built = specFor(chart, width);
      view = new window.vega.View(window.vega.parse(built.spec), {
        renderer: "svg", container: canvas, hover: true, tooltip: showTooltip, loader: linkLoader()
      });
    } catch (error) {
      chartFailed(chart.container, String(error));
      return Promise.resolve();
    }
    view.addEventListener("click", function (event, item) { showReadout(chart, item); });
    return view.runAsync().then(function () {
      var old = chart.container.querySelector(".ffh-chart-canvas");
      if (old) { chart.container.replaceChild(canvas, old); } else {
        chart.container.insertBefore(canvas, chart.readout);
      }
      if (chart.view) { chart.view.finalize(); }
      chart.view = view;
      chart.width = width;
      chart.container.setAttribute("data-ffh-layout", built.narrow ? "narrow" : "wide");
      chart.container.setAttribute("data-ffh-rendered", "true");
    }).catch(function (error) { chartFailed(chart.container, String(error)); });
  }

  function drawCharts() {
    var pending = [];
    each(".ffh-chart[data-ffh-spec]", function (container) {
      if (container.getAttribute("data-ffh-rendered")) { return; }
      var source = document.getElementById(container.getAttribute("data-ffh-spec"));
      if (!window.vega) {
        chartFailed(container, "vega bundle not loaded");
        return;
      }
      var chart = { container: container, source: source, layout: {}, view: null, width: 0 };
      try {
        chart.layout = JSON.parse(source.textContent).layout || {};
      } catch (error) {
        chartFailed(container, "bad chart specification: " + error);
        return;
      }
      chart.readout = document.createElement("p");
      chart.readout.className = "ffh-readout";
      chart.readout.setAttribute("role", "status");
      chart.readout.textContent = chart.layout.hint || "Tap or hover over the chart to show its figures here.";
      container.appendChild(chart.readout);
      container.setAttribute("data-ffh-rendered", "pending");
      charts.push(chart);
      pending.push(draw(chart));
    });
    Promise.all(pending).then(function () {
      if (window.performance && window.performance.mark) { window.performance.mark("ffh-charts-drawn"); }
      document.documentElement.setAttribute("data-ffh-charts", "drawn");
    });
    if (charts.length && window.ResizeObserver) {
      var redraw = debounce(function () { charts.forEach(draw); }, 150);
      var observer = new window.ResizeObserver(redraw);
      charts.forEach(function (chart) { observer.observe(chart.container); });
    }
  }

  function whenChartRuntimeReady(callback) {
    if (!document.querySelector(".ffh-chart[data-ffh-spec]")) {
      document.documentElement.setAttribute("data-ffh-charts", "none");
      return;
    }
    if (window.vega) { callback(); return; }
    var done = false;
    var once = function () { if (!done) { done = true; callback(); } };
    var script = document.querySelector("script[src*='vendor/vega-bundle']");
    if (script) {
      script.addEventListener("load", once);
      script.addEventListener("error", once);  // drawCharts reports the missing bundle
    }
    window.addEventListener("load", once);  // in case the bundle ran before this script
    if (!script) { once(); }
  }

  // ---------------------------------------------------------------------------------------- tables

  function setupTables() {
    // tables other helpers write without a frame (e.g. the data changelog) get one
    each("table.ffh-changelog", function (table) {
      if (table.parentElement.classList.contains("ffh-table-scroll")) { return; }
      var frame = document.createElement("div");
      frame.className = "ffh-table-scroll";
      frame.setAttribute("role", "region");
      frame.setAttribute("tabindex", "0");
      var caption = table.querySelector("caption");
      frame.setAttribute("aria-label", caption ? caption.textContent : "Table");
      table.parentNode.insertBefore(frame, table);
      frame.appendChild(table);
    });
    var frames = [];
    each(".ffh-table-scroll", function (frame) {
      var table = frame.querySelector("table");
      if (!table) { return; }
      var hint = document.createElement("div");
      hint.className = "ffh-scroll-hint";
      hint.hidden = true;
      var columns = table.rows.length ? table.rows[0].cells.length : 0;
      var text = document.createElement("p");
      text.className = "ffh-scroll-hint-text";
      text.textContent = "Scroll sideways to see all " + columns + " columns \u2192";
      var bar = document.createElement("div");
      bar.className = "ffh-scroll-bar";
      bar.setAttribute("aria-hidden", "true");
      var spacer = document.createElement("div");
      spacer.className = "ffh-scroll-bar-width";
      bar.appendChild(spacer);
      hint.appendChild(text);
      hint.appendChild(bar);
      frame.parentNode.insertBefore(hint, frame);
      var syncing = false;
      bar.addEventListener("scroll", function () {
        if (syncing) { syncing = false; return; }
        syncing = true;
        frame.scrollLeft = bar.scrollLeft;
      });
      frame.addEventListener("scroll", function () {
        if (syncing) { syncing = false; return; }
        syncing = true;
        bar.scrollLeft = frame.scrollLeft;
      });
      frames.push({ frame: frame, hint: hint, spacer: spacer });
    });
    var update = function () {
      frames.forEach(function (item) {
        if (!item.frame.offsetParent) { return; }  // inside a closed <details>: measured when opened
        var overflowing = item.frame.scrollWidth > item.frame.clientWidth + 1;
        item.hint.hidden = !overflowing;
        item.frame.classList.toggle("ffh-overflowing", overflowing);
        item.spacer.style.width = item.frame.scrollWidth + "px";
      });
    };
    update();
    window.addEventListener("resize", debounce(update, 150));
    each("details", function (details) { details.addEventListener("toggle", update); });
    if (window.ResizeObserver) {
      var observer = new window.ResizeObserver(debounce(update, 100));
      frames.forEach(function (item) { observer.observe(item.frame); });
    }
  }

  // ------------------------------------------------------------------------------------- citations

  function today() {
    var d = new Date();
    return d.getDate() + " " + MONTHS[d.getMonth()] + " " + d.getFullYear();
  }

  function fillCitations() {
    var pageUrl = window.location.href.split("#")[0];
    each(".ffh-page-url", function (node) {
      var text = node.textContent;
      if (!/^https?:\/\//.test(text) && /^https?:/.test(window.location.protocol)) {
        var anchor = text.indexOf("#") >= 0 ? text.slice(text.indexOf("#")) : "";
        node.textContent = pageUrl + anchor;
      }
    });
    each(".ffh-accessed", function (node) { node.textContent = today(); });
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
    each("button.ffh-copy[data-ffh-copy]", function (button) {
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
    setupTables();
    whenChartRuntimeReady(drawCharts);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
}());
