"""Does the first screen answer the questions people ask? (benchmarks/questions/)

Serves the web app on loopback, and for each case of ``benchmarks/questions/labels.toml`` opens the form in Debian's
Chromium (Playwright, headless, offline), loads the case as a saved file (the form's *Open a saved case*), presses
*Show the stage*, and reads every word the results page shows (patient view) with its place on the page, on a
1366x768 desktop and a 390x844 phone. Each question of ``real.json`` is then scored for each case it is asked for:

- ``first``: every group of its label matches text visible on the first screen, without scrolling;
- ``lower``: it is answered further down, ``depth`` screens from the top (the deepest group's first match);
- ``folded``: some group matches only text inside a closed section (a click away, then scrolling);
- ``no``: not answered on the page.

The same labels are checked against page 1 of the patient PDF report and the first 24 lines of ``mesostage explain``
(the CLI's patient text). The labels were written and committed before this script first ran.

    .venv/bin/python benchmarks/questions_eval.py                  # every case, the summary and the GOAL lines
    .venv/bin/python benchmarks/questions_eval.py --json out.json  # and every item's status
    .venv/bin/python benchmarks/questions_eval.py --show diaphragm-origin   # the first screen's text of one case
    .venv/bin/python benchmarks/questions_eval.py --timing         # what the short answers cost per page
"""

from __future__ import annotations

import argparse
import io
import json
import os
import re
import resource
import socket
import subprocess
import sys
import threading
import time
import tomllib
import urllib.parse
import urllib.request
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent
QUESTIONS = ROOT / "questions"
CHROMIUM = "/usr/bin/chromium"
PHONE = "phone"
CLI_LINES = 24

#: Words with their box on the page: the text node's words, one Range each, in document order. ``folded`` is a
#: word inside a closed <details> (outside its summary); a word with no box that is not folded is hidden and left out.
_WORDS_JS = """
() => {
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const range = document.createRange();
  const sy = window.scrollY, sx = window.scrollX;
  let node;
  while ((node = walker.nextNode())) {
    const text = node.textContent;
    if (!text.trim()) continue;
    const el = node.parentElement;
    if (!el || el.closest('script,style,noscript,template,title')) continue;
    let folded = false;
    for (let d = el.closest('details'); d; d = d.parentElement && d.parentElement.closest('details')) {
      if (!d.open) {
        const summary = el.closest('summary');
        if (!summary || summary.parentElement !== d) { folded = true; break; }
      }
    }
    const re = /\\S+/g;
    let m;
    while ((m = re.exec(text))) {
      let top = null, bottom = null, left = null, right = null;
      if (!folded) {
        range.setStart(node, m.index);
        range.setEnd(node, m.index + m[0].length);
        const r = range.getBoundingClientRect();
        if (r.width < 1 || r.height < 1) continue;  // hidden, or clipped to a pixel (visually-hidden)
        top = r.top + sy; bottom = r.bottom + sy; left = r.left + sx; right = r.right + sx;
      }
      out.push([m[0], top, bottom, left, right, folded]);
    }
  }
  return out;
}
"""


@dataclass
class Screen:
    """The words of one rendered page in document order, and which are on the first screen."""

    words: list[tuple[str, float | None, float | None, float | None, float | None, bool]]
    width: int
    height: int

    def text(self, *, first: bool = False, rendered: bool = True) -> tuple[str, list[int]]:
        """The words joined by spaces (first screen only, rendered only, or all), and each word's start offset."""
        parts: list[str] = []
        starts: list[int] = []
        index: list[int] = []
        pos = 0
        for i, (word, top, bottom, left, right, folded) in enumerate(self.words):
            if folded and rendered:
                continue
            if first and not (
                top is not None
                and bottom is not None
                and left is not None
                and right is not None
                and top >= 0
                and bottom <= self.height
                and left >= 0
                and right <= self.width
            ):
                continue
            parts.append(word)
            starts.append(pos)
            index.append(i)
            pos += len(word) + 1
        self._index = index
        return " ".join(parts), starts

    def first_match_top(self, pattern: re.Pattern[str]) -> float | None:
        """The page position (px) of the first rendered match of ``pattern``, or None."""
        text, starts = self.text()
        m = pattern.search(text)
        if m is None:
            return None
        import bisect

        word = self._index[bisect.bisect_right(starts, m.start()) - 1]
        top = self.words[word][1]
        return top


def _compile(rx: str) -> re.Pattern[str]:
    return re.compile(rx, re.IGNORECASE)


@dataclass(frozen=True)
class Item:
    question: str
    text: str
    intent: str
    case: str
    groups: tuple[tuple[str, ...], ...]
    figure_rule: bool
    weak: bool
    heldout: bool = False


def load_items(labels: dict[str, Any], real: dict[str, Any]) -> list[Item]:
    cases = labels["cases"]
    items: list[Item] = []
    for q in real["questions"]:
        intents = [q["intent"], *labels.get("question_extra", {}).get(q["id"], [])]
        for case in labels.get("question_cases", {}).get(q["id"], list(cases)):
            if any(case in labels["intents"][i].get("skip", []) for i in intents):
                continue
            groups: list[tuple[str, ...]] = []
            for name in intents:
                if name == "told" and "told" not in cases[case]:
                    continue
                for g in labels["intents"][name]["groups"]:
                    if isinstance(g, str):
                        groups.extend(tuple(x) for x in cases[case][g.removeprefix("@")])
                    else:
                        groups.append(tuple(g))
            figure = any(labels["intents"][i].get("figure_rule", False) for i in intents)
            items.append(
                Item(
                    q["id"],
                    q["text"],
                    q["intent"],
                    case,
                    tuple(groups),
                    figure,
                    q.get("weak_provenance", False),
                    cases[case].get("heldout", False),
                )
            )
    return items


def case_json(labels: dict[str, Any], case: str) -> str:
    file = labels["cases"][case]["file"]
    if file.startswith("example:"):
        name = file.removeprefix("example:")
        return resources.files("mesostage").joinpath("examples", f"{name}.json").read_text(encoding="utf-8")
    return (QUESTIONS / "cases" / file).read_text(encoding="utf-8")


def score_text(item: Item, text: str, figure_rule: dict[str, str]) -> bool:
    if not all(any(_compile(rx).search(text) for rx in group) for group in item.groups):
        return False
    if item.figure_rule and _compile(figure_rule["figure"]).search(text):
        return _compile(figure_rule["source"]).search(text) is not None
    return True


def score_screen(item: Item, screen: Screen, figure_rule: dict[str, str]) -> dict[str, Any]:
    first, _ = screen.text(first=True)
    if score_text(item, first, figure_rule):
        return {"status": "first", "depth": 0.0}
    tops: list[float] = []
    folded = False
    all_text, _ = screen.text(rendered=False)
    for group in item.groups:
        found = [t for rx in group if (t := screen.first_match_top(_compile(rx))) is not None]
        if found:
            tops.append(min(found))
        elif any(_compile(rx).search(all_text) for rx in group):
            folded = True
        else:
            return {"status": "no", "depth": None}
    if folded:
        return {"status": "folded", "depth": None}
    return {"status": "lower", "depth": round(max(tops) / screen.height, 2)}


# ---- serving and reading ---------------------------------------------------------------------------------------


class Server:
    """The app under uvicorn on a free loopback port, in a background thread."""

    def __init__(self) -> None:
        import uvicorn

        from mesostage.web.app import create_app

        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        config = uvicorn.Config(create_app(), log_level="warning", access_log=False, lifespan="off")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True)

    def __enter__(self) -> Server:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if time.monotonic() > deadline:
                raise SystemExit("uvicorn did not start within 30 s")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.sock.close()


def read_results(browser: Any, url: str, text: str, viewport: tuple[int, int], phone: bool, tmp: Path) -> Screen:
    """The results page of the case in ``text``, reached as a family would: open the saved case, show the stage."""
    width, height = viewport
    context = browser.new_context(
        viewport={"width": width, "height": height}, is_mobile=phone, device_scale_factor=2 if phone else 1
    )
    # Offline: the page may only talk to this app.
    context.route(re.compile(r"^(?!" + re.escape(url) + r")"), lambda route: route.abort())
    page = context.new_page()
    try:
        page.goto(url + "/")
        path = tmp / "case.json"
        path.write_text(text, encoding="utf-8")
        with page.expect_navigation():
            page.set_input_files("#load-file", str(path))
        page.locator("#submit").click()
        page.wait_for_load_state()
        if page.locator("#confirm").count():  # answers worth a second look: the form asks once
            page.locator("#confirm").click()
            page.wait_for_load_state()
        if not page.url.endswith("/results"):
            raise SystemExit(f"the case did not reach the results page: {page.url}")
        page.evaluate("window.scrollTo(0, 0)")
        words = page.evaluate(_WORDS_JS)
        return Screen([tuple(w) for w in words], width, height)
    finally:
        context.close()


def read_pdf_page1(url: str, text: str) -> str:
    from pypdf import PdfReader

    body = urllib.parse.urlencode({"case_json": text, "view": "patient"}).encode()
    req = urllib.request.Request(url + "/report.pdf", data=body, method="POST")
    with urllib.request.urlopen(req, timeout=300) as r:
        pdf = r.read()
    return " ".join((PdfReader(io.BytesIO(pdf)).pages[0].extract_text() or "").split())


def read_cli(text: str, tmp: Path) -> str:
    path = tmp / "cli-case.json"
    path.write_text(text, encoding="utf-8")
    exe = Path(sys.executable).with_name("mesostage")
    out = subprocess.run(
        [str(exe), "explain", str(path), "--audience", "patient"],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "COLUMNS": "100"},
    )
    return " ".join(" ".join(out.stdout.splitlines()[:CLI_LINES]).split())


# ---- the run -----------------------------------------------------------------------------------------------


@dataclass
class Results:
    items: list[Item]
    web: dict[str, dict[tuple[str, str], dict[str, Any]]] = field(default_factory=dict)  # viewport -> item -> score
    pdf: dict[tuple[str, str], bool] = field(default_factory=dict)
    cli: dict[tuple[str, str], bool] = field(default_factory=dict)
    grades: dict[str, dict[str, float]] = field(default_factory=dict)  # viewport -> case -> FK grade


def run(cases: list[str] | None, show: str | None) -> Results:
    import tempfile

    from playwright.sync_api import sync_playwright

    sys.path.insert(0, str(ROOT.parent))
    from tests.readability import fk_grade

    labels = tomllib.loads((QUESTIONS / "labels.toml").read_text(encoding="utf-8"))
    real = json.loads((QUESTIONS / "real.json").read_text(encoding="utf-8"))
    items = load_items(labels, real)
    wanted = cases or list(labels["cases"])
    items = [i for i in items if i.case in wanted]
    res = Results(items)
    rule = labels["figure_rule"]
    with Server() as server, sync_playwright() as pw, tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True)
        try:
            for case in wanted:
                text = case_json(labels, case)
                for name, (w, h) in labels["viewports"].items():
                    screen = read_results(browser, server.url, text, (w, h), name == PHONE, tmp)
                    first, _ = screen.text(first=True)
                    res.grades.setdefault(name, {})[case] = round(fk_grade(first), 1)
                    if show == case:
                        print(f"--- {case}, {name} {w}x{h}, first screen ---\n{first}\n")
                    for item in (i for i in items if i.case == case):
                        res.web.setdefault(name, {})[(item.question, case)] = score_screen(item, screen, rule)
                pdf = read_pdf_page1(server.url, text)
                cli = read_cli(text, tmp)
                if show == case:
                    print(f"--- {case}, PDF page 1 ---\n{pdf}\n\n--- {case}, CLI first {CLI_LINES} lines ---\n{cli}\n")
                for item in (i for i in items if i.case == case):
                    res.pdf[(item.question, case)] = score_text(item, pdf, rule)
                    res.cli[(item.question, case)] = score_text(item, cli, rule)
        finally:
            browser.close()
    return res


def report(res: Results, cpu: float, wall: float) -> list[str]:
    lines: list[str] = []
    n = len(res.items)
    both = sum(1 for i in res.items if all(res.web[v][(i.question, i.case)]["status"] == "first" for v in res.web))
    strong = [i for i in res.items if not i.weak]
    both_strong = sum(1 for i in strong if all(res.web[v][(i.question, i.case)]["status"] == "first" for v in res.web))
    lines.append(f"{n} (question, case) items: {len(res.items and {i.question for i in res.items})} questions")
    for v, scores in res.web.items():
        c = Counter(s["status"] for s in scores.values())
        depths = [s["depth"] for s in scores.values() if s["status"] == "lower"]
        med = sorted(depths)[len(depths) // 2] if depths else 0.0
        lines.append(
            f"{v:8s} first screen {c['first']:3d} ({c['first'] / n:.0%})  lower {c['lower']:3d} (median "
            f"{med:.1f} screens down)  folded {c['folded']:3d}  not answered {c['no']:3d}"
        )
    lines.append(
        f"both viewports first screen {both} ({both / n:.0%}); without the weak-provenance questions "
        f"{both_strong}/{len(strong)} ({both_strong / max(1, len(strong)):.0%})"
    )
    held = [i for i in res.items if i.heldout]
    if held:
        cells = [sum(res.web[v][(i.question, i.case)]["status"] == "first" for i in held) for v in res.web]
        lines.append(
            "held-out cases (labelled after the page changed): "
            + ", ".join(f"{v} {c}/{len(held)} ({c / len(held):.0%})" for v, c in zip(res.web, cells, strict=True))
        )
    pdf = sum(res.pdf.values())
    cli = sum(res.cli.values())
    lines.append(f"PDF page 1 {pdf} ({pdf / n:.0%})   CLI first {CLI_LINES} lines {cli} ({cli / n:.0%})")
    lines.append("by intent (desktop first / phone first / n):")
    by: dict[str, list[Item]] = defaultdict(list)
    for i in res.items:
        by[i.intent].append(i)
    for intent, its in sorted(by.items()):
        cells = [sum(res.web[v][(i.question, i.case)]["status"] == "first" for i in its) for v in res.web]
        lines.append(f"  {intent:18s} " + " / ".join(str(c) for c in cells) + f" / {len(its)}")
    lines.append("by case (desktop first / phone first / n, FK grade of the first screen desktop/phone):")
    cases = list(dict.fromkeys(i.case for i in res.items))
    for case in cases:
        its = [i for i in res.items if i.case == case]
        cells = [sum(res.web[v][(i.question, case)]["status"] == "first" for i in its) for v in res.web]
        grades = "/".join(f"{res.grades[v][case]:.1f}" for v in res.web)
        lines.append(f"  {case:20s} " + " / ".join(str(c) for c in cells) + f" / {len(its)}   grade {grades}")
    anywhere = {v: sum(s["status"] in ("first", "lower") for s in scores.values()) for v, scores in res.web.items()}
    for v, scores in res.web.items():
        first = sum(s["status"] == "first" for s in scores.values())
        ratio = first / anywhere[v] if anywhere[v] else 0.0
        lines.append(
            f"GOAL questions first screen {v} | value {first / n * 100:.1f} % | floor {anywhere[v] / n * 100:.1f} % "
            f"(answered anywhere on the page, same run) | ratio {ratio:.2f} | goal >= 80 % of the (question, case) "
            f"items answered without scrolling | met {'yes' if first / n >= 0.8 else 'no'}"
        )
    lines.append(f"cpu {cpu:.1f} s, wall {wall:.1f} s, load {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return lines


def timing(rounds: int = 40) -> list[str]:
    """The cost of the short answers: the results page (patient view) against POST /api/v1/stage, interleaved, in
    process (TestClient), and the glance itself on a built page; medians, with CPU time."""
    import statistics

    from fastapi.testclient import TestClient

    from mesostage import Case
    from mesostage.web.app import create_app
    from mesostage.web.glance import glance
    from mesostage.web.view import analyse

    text = resources.files("mesostage").joinpath("examples", "diaphragm-origin.json").read_text(encoding="utf-8")
    client = TestClient(create_app(), base_url="http://127.0.0.1")
    for _ in range(3):  # warm: the staging data and the outlook figure are loaded and drawn once
        client.get("/examples/diaphragm-origin")
        client.post("/api/v1/stage", content=text, headers={"content-type": "application/json"})
    page: list[float] = []
    floor: list[float] = []
    page_cpu: list[float] = []
    for _ in range(rounds):
        t, c = time.perf_counter(), time.process_time()
        client.post("/api/v1/stage", content=text, headers={"content-type": "application/json"})
        floor.append(time.perf_counter() - t)
        t, c = time.perf_counter(), time.process_time()
        r = client.get("/examples/diaphragm-origin")
        page.append(time.perf_counter() - t)
        page_cpu.append(time.process_time() - c)
        if r.status_code != 200 or 'id="glance"' not in r.text:
            raise SystemExit(f"the results page did not answer with the short answers: {r.status_code}")
    a = analyse(Case.model_validate_json(text), "patient")
    t, c = time.perf_counter(), time.process_time()
    for _ in range(200):
        glance(a)
    per = (time.perf_counter() - t) / 200
    per_cpu = (time.process_time() - c) / 200
    med, fl = statistics.median(page) * 1000, statistics.median(floor) * 1000
    return [
        f"glance() per page: {per * 1e6:.0f} us wall, {per_cpu * 1e6:.0f} us CPU",
        f"results page CPU median {statistics.median(page_cpu) * 1000:.1f} ms",
        f"GOAL results page with the short answers | value {med:.1f} ms | floor {fl:.1f} ms (POST /api/v1/stage, "
        f"same case, interleaved, in process) | ratio {med / fl:.2f} | goal <= 150 ms median (issue 17) | "
        f"met {'yes' if med <= 150 else 'no'}",
        f"load {' '.join(f'{x:.2f}' for x in os.getloadavg())}",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--case", action="append", help="only this case (repeatable)")
    parser.add_argument("--show", help="print the first screen's text, PDF page 1 and CLI lines of this case")
    parser.add_argument("--json", type=Path, help="write every item's status here")
    parser.add_argument("--timing", action="store_true", help="only the cost of the short answers per page")
    args = parser.parse_args()
    if args.timing:
        for line in timing():
            print(line)
        return
    t0, c0 = time.perf_counter(), time.process_time()
    res = run(args.case, args.show)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = time.process_time() - c0 + children.ru_utime + children.ru_stime
    for line in report(res, cpu, time.perf_counter() - t0):
        print(line)
    if args.json:
        out = [
            {
                "question": i.question,
                "text": i.text,
                "intent": i.intent,
                "case": i.case,
                **{v: res.web[v][(i.question, i.case)] for v in res.web},
                "pdf_page1": res.pdf[(i.question, i.case)],
                "cli_first_lines": res.cli[(i.question, i.case)],
            }
            for i in res.items
        ]
        args.json.write_text(json.dumps(out, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
