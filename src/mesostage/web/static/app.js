// mesostage: small progressive enhancements. Every page works without this script.
(function () {
  "use strict";

  function checkedValue(form, name, fallback) {
    var input = form.querySelector('input[name="' + name + '"]:checked');
    return input ? input.value : fallback;
  }

  // Show only the parts of the form for the chosen site; hidden parts are disabled, so they are not sent.
  function siteSwitch(form) {
    var parts = form.querySelectorAll("[data-sites]");
    function update() {
      var site = checkedValue(form, "site", "pleura");
      parts.forEach(function (el) {
        var on = el.getAttribute("data-sites").split(" ").indexOf(site) >= 0;
        el.hidden = !on;
        if ("disabled" in el) { el.disabled = !on; }
      });
    }
    form.querySelectorAll('input[name="site"]').forEach(function (r) { r.addEventListener("change", update); });
    update();
  }

  // A section that no report describes has no findings to give.
  function sectionStatus(form) {
    form.querySelectorAll("[data-section]").forEach(function (section) {
      var id = section.getAttribute("data-section");
      var findings = section.querySelector('[data-findings-of="' + id + '"]');
      function update() {
        if (findings) { findings.disabled = checkedValue(form, id + ".status", "assessed") !== "assessed"; }
      }
      section.querySelectorAll('input[name="' + id + '.status"]').forEach(function (r) {
        r.addEventListener("change", update);
      });
      update();
    });
  }

  // The PCI is the sum of the 13 region scores once every region has one.
  function pciTotal(form) {
    var out = document.getElementById("pci-total");
    var selects = form.querySelectorAll("select.pci-score");
    if (!out || selects.length === 0) { return; }
    function update() {
      var sum = 0, missing = 0;
      selects.forEach(function (s) { if (s.value === "") { missing += 1; } else { sum += Number(s.value); } });
      out.textContent = missing === 0 ? String(sum) : (missing === selects.length ? "no regions scored" : missing + " regions still to score");
    }
    selects.forEach(function (s) { s.addEventListener("change", update); });
    update();
  }

  function printButtons() {
    document.querySelectorAll("[data-print]").forEach(function (b) {
      b.hidden = false;
      b.addEventListener("click", function () { window.print(); });
    });
  }

  // Base64url of UTF-8 text, and back: the share link carries the case after the '#'.
  function toBase64Url(text) {
    var bytes = new TextEncoder().encode(text), bin = "";
    bytes.forEach(function (b) { bin += String.fromCharCode(b); });
    return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }
  function fromBase64Url(text) {
    var bin = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
    return new TextDecoder().decode(Uint8Array.from(bin, function (c) { return c.charCodeAt(0); }));
  }

  // A post that carries a case as JSON in its body, never in the address.
  function postCase(action, json, view) {
    var f = document.createElement("form");
    f.method = "post";
    f.action = action;
    [["case_json", json], ["view", view]].forEach(function (kv) {
      var input = document.createElement("input");
      input.type = "hidden";
      input.name = kv[0];
      input.value = kv[1];
      f.appendChild(input);
    });
    document.body.appendChild(f);
    f.submit();
  }

  // Opening a share link: the case is in the fragment, which the browser did not send. Take it out of the address
  // first, so that it stays out of the history, then show the results.
  function openSharedCase() {
    var m = /^#case=([A-Za-z0-9_-]+)(?:&view=(patient|clinician))?$/.exec(location.hash);
    if (!m) { return; }
    var json;
    try { json = fromBase64Url(m[1]); JSON.parse(json); } catch (e) { return; }
    history.replaceState(null, "", location.pathname);
    postCase("/results", json, m[2] || "patient");
  }

  function shareLink() {
    var link = document.getElementById("share-link"), field = document.querySelector("[data-share-url]");
    if (link && field) { field.value = link.href; }
  }

  // A saved case file is read here and sent to the form, which fills in its answers.
  function loadCase() {
    var input = document.querySelector("[data-load-case]");
    if (!input) { return; }
    input.addEventListener("change", function () {
      var file = input.files && input.files[0];
      if (!file) { return; }
      file.text().then(function (text) {
        var form = document.getElementById("load-form");
        document.getElementById("load-case-json").value = text;
        form.submit();
      });
    });
  }

  // Printing opens every folded section, and closes again those that were closed.
  function printOpensDetails() {
    var opened = [];
    window.addEventListener("beforeprint", function () {
      document.querySelectorAll("details:not([open])").forEach(function (d) { d.open = true; opened.push(d); });
    });
    window.addEventListener("afterprint", function () {
      opened.forEach(function (d) { d.open = false; });
      opened = [];
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    openSharedCase();
    var form = document.getElementById("case-form");
    if (form) { siteSwitch(form); sectionStatus(form); pciTotal(form); }
    printButtons();
    printOpensDetails();
    shareLink();
    loadCase();
    var summary = document.getElementById("error-summary") || document.getElementById("input-warnings");
    if (summary && summary.hasAttribute("tabindex")) { summary.focus(); }
  });
}());
