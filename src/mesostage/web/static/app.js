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

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("case-form");
    if (form) { siteSwitch(form); sectionStatus(form); pciTotal(form); }
    printButtons();
    var summary = document.getElementById("error-summary");
    if (summary) { summary.focus(); }
  });
}());
