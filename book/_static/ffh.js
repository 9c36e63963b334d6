/* Far from home: draws each chart with the site's own Vega bundle (_static/vendor/vega-bundle.js, no CDN),
   fills in the page address and access date in citations, and wires the "Copy citation" buttons. */
(function () {
  "use strict";

  var MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December"];

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

  function fixThemeLabels() {
    // The theme's search field button says "Search Ctrl+K" but is labelled just "Search" (WCAG 2.5.3,
    // label in name): let its visible text be its name. Icon-only buttons keep their aria-label.
    Array.prototype.forEach.call(document.querySelectorAll("button.search-button__button[aria-label]"), function (b) {
      if (b.textContent.replace(/\s+/g, "").length > 0) { b.removeAttribute("aria-label"); }
    });
  }

  function start() {
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
