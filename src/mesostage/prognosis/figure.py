"""The outlook figure: published median survival by stage, the case's stage highlighted, sources in the caption.

Drawn with matplotlib's object API on the Agg canvas (no pyplot, no global state), with the DejaVu Sans font that
ships inside matplotlib: nothing is fetched and no outside font is referenced (SVG text is drawn as paths).
"""

from __future__ import annotations

import io
import textwrap
from dataclasses import dataclass

import matplotlib
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from mesostage.limits import clip
from mesostage.prognosis.definitions import FigureDef, PrognosisData, load_data
from mesostage.prognosis.result import Prognosis, SurvivalContext
from mesostage.prognosis.survival import stage_figures, stages_of
from mesostage.prognosis.wording import DISCLAIMER
from mesostage.staging import load_system

__all__ = ["BAR", "HEIGHT_PX", "HIGHLIGHT", "WIDTH_PX", "caption_lines", "drawn_from", "render"]

WIDTH_PX, HEIGHT_PX, DPI = 1000, 750, 100
#: Bar colours (colour-blind safe pair): the case's stage, and every other stage.
HIGHLIGHT = "#d95f02"
BAR = "#7f9fc6"
_MISSING = "#8c8c8c"
_CAPTION_WIDTH = 190
#: Characters of the case id in the title: enough to tell cases apart, never the user's text unbounded.
_ID_CHARS = 40


@dataclass(frozen=True)
class _Row:
    label: str
    starred: bool
    value: float | None
    interval: tuple[float, float] | None
    highlight: bool
    stages: tuple[str, ...]


def _stage_label(stages: tuple[str, ...] | list[str]) -> str:
    return f"Stage {stages[0]}" if len(stages) == 1 else f"Stage {stages[0]}\u2013{stages[-1]}"


def _measure(figs: list[FigureDef]) -> tuple[str, float | None]:
    """What the panel plots: medians when every figure has one, else the first common survival time point."""
    if all(f.median is not None for f in figs):
        units = {f.median_unit for f in figs}
        return f"median overall survival ({units.pop()})", None
    common = set.intersection(*({(s.at, s.unit) for s in f.survival} for f in figs))
    at, unit = min(common)
    return f"{at:g}-{unit[:-1]} survival (%)", at


def _value(f: FigureDef, at: float | None) -> tuple[float | None, tuple[float, float] | None]:
    if at is None:
        return f.median, f.median_interval
    s = next(s for s in f.survival if s.at == at)
    return s.percent, s.interval


def _rows(system: str, figs: list[FigureDef], context: SurvivalContext, at: float | None) -> list[_Row]:
    case_stages = set(stages_of(system, context.stage, context.stage_range))
    covered = {s for f in figs for s in f.stages}
    rows: list[_Row] = []
    gap: list[str] = []

    def flush() -> None:
        if gap:
            rows.append(_Row(_stage_label(gap), False, None, None, bool(case_stages & set(gap)), tuple(gap)))
            gap.clear()

    by_first = {f.stages[0]: f for f in figs}
    for label in load_system(system).stages:
        if label in by_first:
            flush()
            f = by_first[label]
            value, interval = _value(f, at)
            starred = f.evidence == "interpretation"
            rows.append(
                _Row(_stage_label(f.stages), starred, value, interval, bool(case_stages & set(f.stages)), f.stages)
            )
        elif label not in covered:
            gap.append(label)
    flush()
    return rows


def _top(rows: list[_Row]) -> float:
    return max((r.interval[1] if r.interval else r.value or 0) for r in rows) or 1


def _panel(ax: Axes, system: str, rows: list[_Row], xlabel: str, at: float | None, top: float) -> None:
    """One system's bars; ``top`` is shared by panels that plot the same measure, so bar lengths compare."""
    ys = list(range(len(rows)))[::-1]
    unit = "%" if at is not None else " mo"
    for y, r in zip(ys, rows, strict=True):
        if r.value is None:
            ax.text(
                0.01 * top,
                y,
                "not available: source tables not verifiable",
                va="center",
                color=_MISSING,
                style="italic",
                fontsize=8,
            )
            if r.highlight:
                ax.text(
                    0.62 * top,
                    y,
                    f"\u25c0 people with {_stage_label(r.stages).replace('Stage', 'stage')}: no verified figure",
                    va="center",
                    color=HIGHLIGHT,
                )
            continue
        bar = ax.barh(y, r.value, color=HIGHLIGHT if r.highlight else BAR, height=0.6)[0]
        bar.set_gid(f"{'highlight' if r.highlight else 'bar'}-{system}-{'-'.join(r.stages)}")
        end = r.value
        if r.interval is not None:
            ax.errorbar(
                r.value, y, xerr=[[r.value - r.interval[0]], [r.interval[1] - r.value]], fmt="none", color="black",
                capsize=3, linewidth=1,
            )  # fmt: skip
            end = r.interval[1]
        text = f"{r.value:g}{unit}" + (
            f"   \u25c0 people with {_stage_label(r.stages).replace('Stage', 'stage')}" if r.highlight else ""
        )
        ax.text(end + 0.01 * top, y, text, va="center", color=HIGHLIGHT if r.highlight else "black",
                fontweight="bold" if r.highlight else "normal")  # fmt: skip
    ax.set_yticks(ys, [r.label + (" *" if r.starred else "") for r in rows])
    for tick, r in zip(ax.get_yticklabels(), rows, strict=True):
        if r.highlight:
            tick.set_color(HIGHLIGHT)
            tick.set_fontweight("bold")
    ax.set_xlim(0, min(top * 1.45, 115) if at is not None else top * 1.45)
    ax.set_ylim(-0.7, len(rows) - 0.3)
    ax.set_xlabel(xlabel)


def _panels(data: PrognosisData, outlook: Prognosis) -> list[tuple[SurvivalContext, list[FigureDef]]]:
    return [(c, figs) for c in outlook.survival if (figs := stage_figures(data, c.system))]


def caption_lines(outlook: Prognosis) -> list[str]:
    """The caption: each panel's system, sources and populations, then how to read a bar, wrapped."""
    data = load_data()
    panels = _panels(data, outlook)
    captions: list[str] = []
    for c, figs in panels:
        sources = {f.source: data.sources[f.source] for f in figs}
        cited = " ".join(
            f"{s.short}{' [secondary source]' if s.kind == 'secondary' else ''}: {s.population}."
            for s in sources.values()
        )
        starred = " ".join(f"* {f.scope}: {f.note}" for f in figs if f.evidence == "interpretation")
        captions.append(f"{c.system_name}. {cited}" + (f" {starred}" if starred else ""))
    lines = [line for text in captions for line in textwrap.wrap(text, _CAPTION_WIDTH, break_on_hyphens=False)]
    measures = {_measure(figs)[1] is None for _, figs in panels}
    explain = []
    if True in measures:
        explain.append("A median bar describes a group: half of the people in it lived longer, half less.")
    if False in measures:
        explain.append("A percentage bar is the share of a group alive at that time.")
    intervals = any(f.median_interval or any(s.interval for s in f.survival) for _, fs in panels for f in fs)
    explain.append(
        "Error bars show the source's interval."
        if intervals
        else "No interval is drawn: none is published for these figures."
    )
    lines += textwrap.wrap(" ".join([*explain, "It is not a prediction for one person.", DISCLAIMER]), _CAPTION_WIDTH)
    return lines


def drawn_from(outlook: Prognosis) -> str:
    """Everything of ``outlook`` that :func:`render` draws (the site, the id in the title, the survival by stage in
    each system): two outlooks with the same text here have the same figure. The scores and cohorts are not drawn,
    so cases of one stage group share a figure whatever their age or blood counts."""
    survival = ",".join(c.model_dump_json() for c in outlook.survival)
    return f"{outlook.site}|{clip(outlook.id, _ID_CHARS) if outlook.id else ''}|[{survival}]"


def render(outlook: Prognosis, fmt: str) -> bytes:
    """The figure for an outlook, as PNG or SVG bytes (``WIDTH_PX`` x ``HEIGHT_PX``)."""
    data = load_data()
    panels = _panels(data, outlook)
    lines = caption_lines(outlook)
    with matplotlib.rc_context(
        {
            "font.family": "DejaVu Sans",
            "font.size": 9,
            "svg.fonttype": "path",
            "svg.hashsalt": "mesostage",
            "axes.spines.top": False,
            "axes.spines.right": False,
        }
    ):
        fig = Figure(figsize=(WIDTH_PX / DPI, HEIGHT_PX / DPI), dpi=DPI)
        FigureCanvasAgg(fig)
        # The id is the user's text: never drawn unbounded (a long one would take seconds to lay out).
        title = "Published survival by stage" + (f" \u2014 case {clip(outlook.id, _ID_CHARS)}" if outlook.id else "")
        fig.text(0.02, 0.975, title, fontsize=13, fontweight="bold", va="top")
        line_h = 0.0185
        bottom = 0.03 + line_h * len(lines) + 0.075
        fig.text(0.02, 0.02, "\n".join(lines), fontsize=7, va="bottom", linespacing=1.35)
        if not panels:
            fig.text(
                0.5,
                0.6,
                f"No verified survival figures by stage for a primary of the {outlook.site.replace('_', ' ')}.",
                ha="center",
                fontsize=11,
            )
        else:
            grid = fig.add_gridspec(
                len(panels), 1, left=0.17, right=0.97, top=0.9, bottom=bottom, hspace=0.75
            )  # fmt: skip
            drawn = [(c, figs, *_measure(figs)) for c, figs in panels]
            rows = [_rows(c.system, figs, c, at) for c, figs, _, at in drawn]
            tops: dict[float | None, float] = {}
            for (_, _, _, at), r in zip(drawn, rows, strict=True):
                tops[at] = max(tops.get(at, 0.0), _top(r))
            for i, (c, figs, xlabel, at) in enumerate(drawn):
                ax = fig.add_subplot(grid[i, 0])
                _panel(ax, c.system, rows[i], xlabel, at, tops[at])
                src = data.sources[figs[0].source]
                stage = c.stage or (f"{c.stage_range[0]} to {c.stage_range[1]}" if c.stage_range else "not determined")
                ax.set_title(
                    f"{load_system(c.system).short_name} \u2014 {src.short} "
                    f"({src.population_kind.replace('_', ' ')}) \u2014 highlighted: people with stage {stage}",
                    fontsize=9.5,
                    loc="left",
                )
        buf = io.BytesIO()
        if fmt == "svg":
            fig.savefig(buf, format="svg", metadata={"Date": None})
        else:
            fig.savefig(buf, format="png", dpi=DPI, metadata={"Software": None})
            return _palette_png(buf.getvalue())
    return buf.getvalue()


def _palette_png(png: bytes) -> bytes:
    """``png`` with 128 colours (a chart of flat colours and smoothed text looks the same): a third of the bytes,
    and the PDF report that embeds it is laid out faster."""
    from PIL import Image  # a dependency of matplotlib

    with Image.open(io.BytesIO(png)) as image:
        palette = image.convert("RGB").quantize(colors=128, method=Image.Quantize.MEDIANCUT)
    out = io.BytesIO()
    palette.save(out, format="PNG", optimize=True)
    return out.getvalue()
