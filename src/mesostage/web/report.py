"""The printable report: the results page's sections as one PDF (WeasyPrint), with date, versions and disclaimer."""

from __future__ import annotations

from functools import cache
from importlib import resources

__all__ = ["render_pdf", "report_css"]


@cache
def report_css(name: str = "report.css") -> str:
    static = resources.files("mesostage.web").joinpath("static")
    return static.joinpath(name).read_text(encoding="utf-8")


def render_pdf(html: str, stylesheet_name: str = "report.css") -> bytes:
    """The PDF of a report page (``summary.css`` for the one-page summary). Nothing is fetched: the stylesheet is
    passed in, the figure is a ``data:`` URL, and every other URL is refused."""
    # Imported here: WeasyPrint takes most of a second to import, and only the PDF route needs it.
    from weasyprint import CSS, HTML
    from weasyprint.urls import URLFetcher

    no_fetch = URLFetcher(allowed_protocols=("data",))
    stylesheet = CSS(string=report_css(stylesheet_name), url_fetcher=no_fetch)
    pdf: bytes = HTML(string=html, url_fetcher=no_fetch).write_pdf(stylesheets=[stylesheet])
    return pdf
