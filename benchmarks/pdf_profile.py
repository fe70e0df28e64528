"""Where one PDF report's time goes: CPU time per phase of the page and of WeasyPrint, in this process.

For each of the benchmark's cases (``api_bench.py`` asks for them in turn) and both views: staging to the analysis,
the HTML page (Jinja), then WeasyPrint's phases: HTML parse, stylesheet parse, the cascade (matching every selector
against every element), the formatting structure (boxes, computed styles), layout (lines, pages), drawing (the
page streams), fonts (subsetting and embedding) and writing (serialising and compressing). Times are
``time.process_time`` (this process's CPU time), each the median over the repetitions after one warm-up per view.

    .venv/bin/python benchmarks/pdf_profile.py                 # the table
    .venv/bin/python benchmarks/pdf_profile.py --cprofile 25   # and cProfile's top 25 functions (cumulative)
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import statistics
import time
from collections import defaultdict
from collections.abc import Callable
from importlib import resources
from typing import Any

CASES = ("diaphragm-origin", "example-1", "pleural-unknowns", "peritoneal-pci", "pericardial")
PHASES = (
    "analysis",
    "html (jinja)",
    "html parse",
    "css parse",
    "cascade",
    "boxes",
    "layout",
    "drawing",
    "fonts",
    "write+compress",
)

_spent: dict[str, float] = defaultdict(float)


def _timed(phase: str, fn: Callable[..., Any]) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        t0 = time.process_time()
        try:
            return fn(*args, **kwargs)
        finally:
            _spent[phase] += time.process_time() - t0

    return wrapper


def _instrument() -> None:
    """Wrap WeasyPrint's phase functions where its modules call them (WeasyPrint 70)."""
    import pydyf
    import weasyprint
    import weasyprint.document as wdoc
    import weasyprint.pdf as wpdf

    wdoc.get_all_computed_styles = _timed("cascade", wdoc.get_all_computed_styles)
    wdoc.build_formatting_structure = _timed("boxes", wdoc.build_formatting_structure)
    layout = wdoc.layout_document  # a generator: consumed here, so that its time is its own
    wdoc.layout_document = _timed("layout", lambda *a, **k: list(layout(*a, **k)))
    wdoc.Page.paint = _timed("drawing", wdoc.Page.paint)
    wpdf.build_fonts_dictionary = _timed("fonts", wpdf.build_fonts_dictionary)
    pydyf.PDF.write = _timed("write+compress", pydyf.PDF.write)
    weasyprint.HTML.__init__ = _timed("html parse", weasyprint.HTML.__init__)
    weasyprint.CSS.__init__ = _timed("css parse", weasyprint.CSS.__init__)


def _case(name: str, i: int) -> Any:
    from mesostage import parse_case

    text = resources.files("mesostage").joinpath("examples", f"{name}.json").read_text(encoding="utf-8")
    return parse_case(dict(json.loads(text), id=f"profile-{i}"))


def one_pdf(name: str, view: str, i: int, template: str = "report.html", css: str = "report.css") -> bytes:
    from mesostage.web.pages import render
    from mesostage.web.report import render_pdf
    from mesostage.web.view import analyse

    t0 = time.process_time()
    analysis = analyse(_case(name, i), view)
    t1 = time.process_time()
    html = render(template, a=analysis, report=True)
    t2 = time.process_time()
    _spent["analysis"] += t1 - t0
    _spent["html (jinja)"] += t2 - t1
    return render_pdf(html, css)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="renders of each case and view")
    parser.add_argument("--cprofile", type=int, default=0, help="also print cProfile's top N (cumulative)")
    parser.add_argument("--summary", action="store_true", help="the one-page summary instead of the full report")
    args = parser.parse_args()
    from pypdf import PdfReader

    from mesostage.web.report import render_pdf

    template, css = ("summary.html", "summary.css") if args.summary else ("report.html", "report.css")
    _instrument()
    render_pdf("<p>warm</p>")
    print(f"load average at the start: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    totals: dict[str, list[float]] = defaultdict(list)
    per_phase: dict[str, list[float]] = defaultdict(list)
    i = 0
    for view in ("patient", "clinician"):
        for name in CASES:
            one_pdf(name, view, i, template, css)  # warm-up: templates, figures of this stage group
            for _ in range(args.repeats):
                i += 1
                _spent.clear()
                t0 = time.process_time()
                pdf = one_pdf(name, view, i, template, css)
                totals[view].append(time.process_time() - t0)
                for phase in PHASES:
                    per_phase[phase].append(_spent[phase])
            pages = len(PdfReader(io.BytesIO(pdf)).pages)
            print(f"{view:9} {name:18} {pages:2} pages, {len(pdf) // 1024:4} KiB, CPU {totals[view][-1]:.3f} s")
    every = [t for ts in totals.values() for t in ts]
    print(f"\nCPU per PDF, median over {len(every)}: {statistics.median(every):.3f} s (max {max(every):.3f} s)")
    for view, ts in totals.items():
        print(f"  {view}: median {statistics.median(ts):.3f} s")
    accounted = sum(statistics.mean(per_phase[p]) for p in PHASES)
    for phase in PHASES:
        mean = statistics.mean(per_phase[phase])
        print(f"  {phase:15} {mean * 1000:7.1f} ms  {mean / statistics.mean(every) * 100:5.1f} %")
    print(f"  {'(other)':15} {(statistics.mean(every) - accounted) * 1000:7.1f} ms")
    print(f"load average at the end: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    if args.cprofile:
        profiler = cProfile.Profile()
        profiler.enable()
        for k, name in enumerate(CASES):
            one_pdf(name, "clinician", 10_000 + k, template, css)
        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(args.cprofile)
        pstats.Stats(profiler).sort_stats("tottime").print_stats(args.cprofile)


if __name__ == "__main__":
    main()
