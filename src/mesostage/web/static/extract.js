// mesostage: the "Paste your report" box. Sends the report text to this app (/api/v1/extract, on this
// computer), fills the form with the draft answers, shows beside each answer the sentence it came from, and asks
// the person to check every answer before staging. Nothing is stored. Without this script the box stays hidden.
(function () {
  "use strict";

  var WHY = {
    affirmed: "stated", stated: "stated", negated: "said not to be there", hedged: "not certain",
    prior: "only on an earlier scan, or gone now", benign: "said to be harmless", not_assessed: "not looked at",
    measured: "measured", implied: "follows from another finding", not_named: "not named", detected: "stated",
    overturned: "a later test did not find it"
  };

  function start() {
    var box = document.getElementById("paste-report");
    var form = document.getElementById("case-form");
    if (!box || !form || !window.fetch) { return; }
    box.hidden = false;
    var reports = [];
    var filled = false;
    var text = document.getElementById("report_text");
    var kind = document.getElementById("report_kind");
    var status = document.getElementById("extract-status");
    var list = document.getElementById("report-list");
    var conflicts = document.getElementById("extract-conflicts");
    var check = document.getElementById("check-answers");
    var checked = document.getElementById("checked-all");
    var clear = document.getElementById("clear-reports");

    function say(message) { status.textContent = message; }

    function fieldBox(name) {
      var el = document.getElementById(name);
      if (!el) { return null; }
      if (el.tagName === "INPUT" || el.tagName === "SELECT") {
        return el.closest(".field, .pci-cell") || el.parentNode;
      }
      return el;
    }

    function setField(name, value) {
      form.querySelectorAll("[name]").forEach(function (el) {
        if (el.name !== name) { return; }
        if (el.type === "radio") {
          el.checked = el.value === value;
          if (el.checked) { el.dispatchEvent(new Event("change", { bubbles: true })); }
        } else if (el.type !== "checkbox") {
          el.value = value;
          el.dispatchEvent(new Event("change", { bubbles: true }));
        }
      });
    }

    function clearMarks() {
      form.querySelectorAll(".evidence").forEach(function (e) { e.remove(); });
      form.querySelectorAll(".from-report, .conflict").forEach(function (e) {
        e.classList.remove("from-report");
        e.classList.remove("conflict");
      });
      conflicts.textContent = "";
    }

    function quote(ev) {
      var q = document.createElement("q");
      var a = ev.start - ev.sentence_start;
      var b = ev.end - ev.sentence_start;
      var mark = document.createElement("mark");
      mark.textContent = ev.sentence.slice(a, b);
      q.appendChild(document.createTextNode(ev.sentence.slice(0, a)));
      q.appendChild(mark);
      q.appendChild(document.createTextNode(ev.sentence.slice(b)));
      return q;
    }

    function showEvidence(name, ev, several) {
      var target = fieldBox(name);
      if (!target) { return; }
      var p = document.createElement("p");
      p.className = "evidence";
      p.setAttribute("data-evidence-for", name);
      var label = document.createElement("span");
      label.className = "evidence-label";
      label.textContent = (several ? "From report " + (ev.report + 1) : "From the report") +
        " (" + (WHY[ev.why] || ev.why) + "): ";
      p.appendChild(label);
      p.appendChild(quote(ev));
      target.classList.add("from-report");
      target.appendChild(p);
    }

    function showConflicts(items) {
      if (!items.length) { return; }
      var h = document.createElement("h3");
      h.textContent = "The reports disagree. These answers are left at Not known for you to decide:";
      var ul = document.createElement("ul");
      items.forEach(function (c) {
        var li = document.createElement("li");
        li.textContent = c.message;
        ul.appendChild(li);
        var target = fieldBox(c.field);
        if (target) {
          target.classList.add("conflict");
          var p = document.createElement("p");
          p.className = "evidence";
          p.textContent = c.message;
          target.appendChild(p);
          c.evidence.forEach(function (ev) { showEvidence(c.field, ev, true); });
        }
      });
      conflicts.appendChild(h);
      conflicts.appendChild(ul);
    }

    function showList(body) {
      list.textContent = "";
      reports.forEach(function (r, i) {
        var li = document.createElement("li");
        li.textContent = "Report " + (i + 1) + ": " + (body.kinds[i] || "report").toUpperCase() + ", " +
          r.text.length + " characters";
        list.appendChild(li);
      });
      (body.notes || []).forEach(function (n) {
        var li = document.createElement("li");
        li.className = "note";
        li.textContent = n;
        list.appendChild(li);
      });
    }

    function apply(body) {
      clearMarks();
      showList(body);
      if (!body.case) {
        say(body.message || "Nothing to fill from this report.");
        return;
      }
      Object.keys(body.form).forEach(function (name) { setField(name, body.form[name][0] || ""); });
      var several = reports.length > 1;
      Object.keys(body.deciding).forEach(function (name) {
        var ev = body.deciding[name];
        if (ev.why !== "not_named") { showEvidence(name, ev, several); }
      });
      showConflicts(body.conflicts || []);
      filled = true;
      check.hidden = false;
      checked.checked = false;
      clear.hidden = false;
      say("The form is filled from " + reports.length + " report" + (several ? "s" : "") + ". " +
        (body.message ? body.message + " " : "") +
        "Each answer shows the sentence it came from. Please check every answer against the report. " +
        "Then tick the box at the end of the form, and press Show the stage.");
    }

    function read() {
      var words = text.value.trim();
      if (!words) { say("Paste the report text first."); text.focus(); return; }
      reports.push({ text: words, kind: kind.value || null });
      say("Reading the report...");
      fetch("/api/v1/extract", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ reports: reports })
      }).then(function (r) {
        return r.json().then(function (body) { return { code: r.status, body: body }; });
      }).then(function (res) {
        if (res.code !== 200) {
          reports.pop();
          say("The report could not be read: " + (res.body.errors || []).map(function (e) {
            return e.message;
          }).join("; "));
          return;
        }
        text.value = "";
        apply(res.body);
      }).catch(function () {
        reports.pop();
        say("The report could not be read. Please try again.");
      });
    }

    document.getElementById("read-report").addEventListener("click", read);
    document.getElementById("example-report").addEventListener("click", function () {
      fetch("/static/example-report.txt").then(function (r) { return r.text(); }).then(function (t) {
        text.value = t;
        kind.value = "ct";
        text.focus();
      });
    });
    clear.addEventListener("click", function () {
      reports = [];
      filled = false;
      clearMarks();
      list.textContent = "";
      check.hidden = true;
      clear.hidden = true;
      say("The reports are cleared. The answers in the form stay as they are.");
    });
    form.addEventListener("submit", function (e) {
      if (filled && !checked.checked) {
        e.preventDefault();
        say("Please check every answer against the report. Then tick the box at the end of the form.");
        checked.focus();
      }
    });
  }

  document.addEventListener("DOMContentLoaded", start);
}());
