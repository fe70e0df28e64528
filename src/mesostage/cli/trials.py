"""``mesostage trials ...``: import, sync, inspect and search the local trial index, and match a case against it.

The index lives in the user's data directory (``$MESOSTAGE_DATA_DIR`` overrides it; ``--index`` picks a file).
Before anything is imported, matching uses the bundled FICTIONAL demo trials and says so. Registered (loaded on
first use) on the Typer app in ``mesostage.cli``.
"""

from __future__ import annotations

import json
import sqlite3
import textwrap
from pathlib import Path
from typing import Annotated

import typer

from mesostage import InputError, match_trials
from mesostage.cli.common import DISCLAIMER, OutputFormat, case_errors, fail, read_case
from mesostage.limits import MAX_TEXT_CHARS
from mesostage.safeio import Terminated, sigterm_as_interrupt
from mesostage.trials import (
    DEMO_SOURCE,
    ImportFailed,
    MatchResult,
    SyncError,
    TrialIndex,
    TrialMatch,
    default_index_path,
    import_source,
    load_demo,
    shortlist_markdown,
    sync,
)
from mesostage.trials.index import DamagedIndex

__all__ = ["render_matches", "trials_app"]

trials_app = typer.Typer(
    name="trials",
    help="Clinical trials: import ClinicalTrials.gov records, sync, and match a case with a reason for every "
    "criterion. " + DISCLAIMER,
    no_args_is_help=True,
)


IndexOption = Annotated[
    Path | None,
    typer.Option("--index", help="index file (default: trials.sqlite in the user data dir or $MESOSTAGE_DATA_DIR)"),
]


def _index_path(index: Path | None) -> Path:
    return index if index is not None else default_index_path()


def _wrap(text: str, indent: str = "     ", width: int = 100) -> list[str]:
    return textwrap.wrap(text, width, initial_indent=indent, subsequent_indent=indent + "  ") or [indent]


_MARK = {"for": "+", "against": "x", "unknown": "?", "neutral": "-"}


def _trial_lines(i: int, m: TrialMatch, *, criteria: bool) -> list[str]:
    lines = _wrap(f"{i}. {m.nct_id}  {m.title}", indent="")
    phase = ", ".join(m.phases) or "no phase (observational or not given)"
    lines += _wrap(f"{m.status_note}; {phase}; last update {m.last_update or 'not given'}")
    if m.verdict == "check first":
        lines += _wrap("CHECK FIRST: an open question about you decides this trial (marked !); ask the study team")
    site = m.nearest_site
    if site is not None:
        where = ", ".join(x for x in (site.facility or "facility not named", site.city, site.state, site.country) if x)
        dist = (
            f"{site.distance_km:.0f} km / {site.distance_miles:.0f} mi"
            + (" (placed by its city)" if site.located_by in ("city", "US ZIP code") else "")
            if site.distance_km is not None
            else "distance not known"
        )
        lines += _wrap(f"Nearest open site: {where} - {dist}")
        lines += [line for c in site.contacts[:1] for line in _wrap(f"Site contact: {_contact(c)}")]
    if m.sites_without_location:
        lines += _wrap(f"{m.sites_without_location} open site(s) could not be placed on the map")
    lines += [line for c in m.central_contacts[:2] for line in _wrap(f"Study contact: {_contact(c)}")]
    lines += _wrap(f"Record: {m.url}" if m.url else "Record: none (FICTIONAL demo trial)")
    for items, mark in ((m.why, "+"), (m.why_not, "x"), (m.to_check, "?")):
        for item in items:
            lines += _wrap(f"{'!' if mark == '?' and item in m.open_questions else mark} {item}")
    if criteria:
        lines += _wrap("Every criterion:")
        for c in m.criteria:
            ctx = f"{c.context} " if c.context else ""
            lines += _wrap(
                f"{_MARK[c.effect]} [{c.kind} | {c.type} | {c.label}] {ctx}{c.text} -> {c.reason}", "       "
            )
    return [*lines, ""]


def _contact(c: object) -> str:
    return ", ".join(x for x in (getattr(c, "name", None), getattr(c, "phone", None), getattr(c, "email", None)) if x)


def render_matches(result: MatchResult, *, criteria: bool = False) -> str:
    """The match result as text: recruiting, not yet recruiting and excluded trials, each with its reasons."""
    lines: list[str] = []
    if result.fictional_data:
        lines += ["*** FICTIONAL DEMO TRIALS: made up to show how matching works; not real studies. ***", ""]
    lines += [f"Trials from: {result.index_source}; data as of {result.data_as_of or 'not known'}"]
    lines.append("Marks: + counts for you, x rules you out, ? to check with the study team, - does not apply")
    if result.location_label:
        lines.append(f"Distances from: {result.location_label}")
    lines.append("")
    groups = (
        ("Possible matches - recruiting now", result.recruiting),
        ("Possible matches - not yet recruiting (cannot enrol yet)", result.not_yet_recruiting),
        ("Excluded - open trials that a criterion rules out", result.excluded),
    )
    for title, items in groups:
        lines += [f"== {title}: {len(items)}", ""]
        for i, m in enumerate(items, 1):
            lines += _trial_lines(i, m, criteria=criteria)
    if result.not_open:
        lines += [f"== Not open: {len(result.not_open)}", ""]
        for i, m in enumerate(result.not_open, 1):
            lines += _trial_lines(i, m, criteria=criteria)
    lines.append(
        f"Also in the index: {result.not_open_count} trials for this site that are not open (use --include-closed), "
        f"{result.other_site_count} for mesothelioma of another site only, "
        f"{result.not_mesothelioma_count} not about mesothelioma."
    )
    lines += ["", *(n for note in result.notes for n in textwrap.wrap(note, 100)), ""]
    lines += textwrap.wrap(result.disclaimer, 100)
    return "\n".join(lines)


@trials_app.command("match")
def match_command(
    file: Annotated[str, typer.Argument(help="case JSON file (with a patient block), or - for standard input")],
    index: IndexOption = None,
    location: Annotated[
        str | None, typer.Option(help="US ZIP code or 'City, Country' (replaces patient.location)")
    ] = None,
    max_km: Annotated[
        float | None, typer.Option("--max-km", help="exclude trials whose nearest open site is farther")
    ] = None,
    include_closed: Annotated[
        bool, typer.Option("--include-closed", help="also list trials that are not open")
    ] = False,
    limit: Annotated[int | None, typer.Option(help="at most this many matches and this many excluded trials")] = None,
    criteria: Annotated[bool, typer.Option("--criteria", help="text: show every criterion with its label")] = False,
    shortlist: Annotated[Path | None, typer.Option(help="also write a shortlist (Markdown) to this file")] = None,
    pick: Annotated[
        list[str] | None, typer.Option(help="NCT id for the shortlist (repeatable; default the top 10)")
    ] = None,
    output: Annotated[OutputFormat, typer.Option("--format", "-f", help="text or json")] = OutputFormat.text,
) -> None:
    """Match a case against the trial index: every criterion labelled, nearest open site, contacts."""
    if location is not None and len(location) > MAX_TEXT_CHARS:
        raise fail([InputError("--location", f"at most {MAX_TEXT_CHARS} characters, got {len(location)}")])
    try:
        with case_errors():
            case = read_case(file)
            result = match_trials(
                case,
                index=index,
                location=location,
                max_distance_km=max_km,
                include_closed=include_closed,
                limit=limit,
            )
    except (FileNotFoundError, ValueError) as exc:
        raise fail([InputError("--index", str(exc))]) from None
    if shortlist is not None:
        try:
            shortlist.write_text(shortlist_markdown(result, pick or None), encoding="utf-8")
        except KeyError as exc:
            raise fail([InputError("--pick", str(exc.args[0]))]) from None
        except OSError as exc:
            raise fail([InputError("--shortlist", f"cannot write {shortlist}: {exc.strerror or exc}")]) from None
        typer.echo(f"shortlist written to {shortlist}", err=True)
    if output is OutputFormat.json:
        typer.echo(result.model_dump_json(indent=2))
    else:
        typer.echo(render_matches(result, criteria=criteria))


@trials_app.command("import")
def import_command(
    source: Annotated[
        Path, typer.Argument(help="bulk zip (ctg-studies.json.zip), a folder of study JSON, or a JSON file")
    ],
    index: IndexOption = None,
    merge: Annotated[bool, typer.Option("--merge", help="add to the index instead of replacing it")] = False,
    all_studies: Annotated[
        bool, typer.Option("--all-studies", help="keep every study, not only those about mesothelioma")
    ] = False,
    report: Annotated[Path | None, typer.Option(help="write the full import report (JSON) here")] = None,
) -> None:
    """Import ClinicalTrials.gov API v2 study JSON. All or nothing: a failed import leaves the index as it was."""
    if not source.exists():
        raise fail([InputError("SOURCE", f"no such file or directory: {source}")])
    target = _index_path(index)
    if target.is_dir():
        raise fail([InputError("--index", f"{target} is a directory: give the index file's name")])
    try:
        with sigterm_as_interrupt():
            result = import_source(
                source,
                target,
                mode="merge" if merge else "replace",
                scope="all" if all_studies else "mesothelioma",
            )  # progress: INFO messages of mesostage.trials.importer on stderr
    except ImportFailed as exc:
        typer.echo(f"import failed: {exc}. The index at {target} is unchanged.", err=True)
        raise typer.Exit(code=1) from None
    except OSError as exc:
        typer.echo(f"import failed: {exc.filename or target}: {exc.strerror or exc}. The index is unchanged.", err=True)
        raise typer.Exit(code=1) from None
    except KeyboardInterrupt as exc:
        how = "terminated" if isinstance(exc, Terminated) else "interrupted"
        typer.echo(f"{how}: the index at {target} is unchanged", err=True)
        raise typer.Exit(code=143 if isinstance(exc, Terminated) else 130) from None
    if report is not None:
        try:
            report.write_text(json.dumps(result.as_dict(), indent=2), encoding="utf-8")
        except OSError as exc:
            typer.echo(result.summary())
            typer.echo(
                f"error: the index is imported, but the report was not written: {report}: {exc.strerror}", err=True
            )
            raise typer.Exit(code=2) from None
    typer.echo(result.summary())
    typer.echo(f"Index: {target}")


@trials_app.command("sync")
def sync_command(
    index: IndexOption = None,
    condition: Annotated[str, typer.Option(help="condition search term")] = "mesothelioma",
    status: Annotated[
        list[str] | None,
        typer.Option(help="only these overall statuses (repeatable); default all, so closed trials drop"),
    ] = None,
    merge: Annotated[bool, typer.Option("--merge", help="add to the index instead of replacing it")] = False,
    base_url: Annotated[str, typer.Option(help="API base URL")] = "https://clinicaltrials.gov/api/v2",
    page_size: Annotated[int, typer.Option(min=1, max=1000)] = 200,
    max_pages: Annotated[int | None, typer.Option(min=1)] = None,
    min_interval: Annotated[float, typer.Option(help="seconds between requests (a polite rate)", min=0)] = 1.0,
    retries: Annotated[int, typer.Option(min=0, max=10)] = 4,
) -> None:
    """Fetch studies from the ClinicalTrials.gov API v2 (needs internet; only when you run it) and import them."""
    target = _index_path(index)
    typer.echo(f"Contacting {base_url} for '{condition}' ...", err=True)
    try:
        report = sync(
            target,
            condition=condition,
            statuses=status or None,
            base_url=base_url,
            page_size=page_size,
            max_pages=max_pages,
            mode="merge" if merge else "replace",
            min_interval=min_interval,
            retries=retries,
        )  # progress: INFO messages of mesostage.trials.sync and .importer on stderr
    except (SyncError, ImportFailed) as exc:
        typer.echo(f"sync failed: {exc}. The index at {target} is unchanged.", err=True)
        raise typer.Exit(code=1) from None
    typer.echo(report.summary())
    typer.echo(f"Index: {target}")


@trials_app.command("demo")
def demo_command(index: IndexOption = None) -> None:
    """Replace the index with the bundled FICTIONAL demo trials."""
    target = _index_path(index)
    try:
        result = load_demo(target)
    except ImportFailed as exc:
        typer.echo(f"demo failed: {exc}. The index at {target} is unchanged.", err=True)
        raise typer.Exit(code=1) from None
    typer.echo(f"{result.imported} FICTIONAL demo trials loaded into {target}")


@trials_app.command("info")
def info_command(index: IndexOption = None) -> None:
    """Where the index is, where its data came from, and how many trials it holds."""
    target = _index_path(index)
    if not target.is_file():
        typer.echo(f"No index at {target} yet: matching uses the bundled FICTIONAL demo trials ({DEMO_SOURCE}).")
        typer.echo("Import data with 'mesostage trials import FILE' or 'mesostage trials sync'.")
        return
    try:
        with TrialIndex.open(target) as idx:
            meta, total, scopes, fictional = idx.meta(), idx.count(), idx.counts_by_scope(), idx.has_fictional()
    except ValueError as exc:
        raise fail([InputError("--index", str(exc))]) from None
    typer.echo(f"Index: {target}")
    typer.echo(f"Source: {meta.get('source')}{' (FICTIONAL demo trials)' if fictional else ''}")
    typer.echo(f"Imported: {meta.get('imported_at')}; data as of {meta.get('data_as_of')}")
    typer.echo(f"Trials: {total}")
    for scope, n in sorted(scopes.items()):
        typer.echo(f"  {scope or 'not about mesothelioma'}: {n}")


@trials_app.command("search")
def search_command(
    query: Annotated[str, typer.Argument(help="full-text query (SQLite FTS5 syntax), e.g. 'pleural AND nivolumab'")],
    index: IndexOption = None,
    limit: Annotated[int, typer.Option(min=1, max=1000)] = 20,
) -> None:
    """Full-text search over titles, conditions, interventions and eligibility text of the index."""
    target = _index_path(index)
    if not target.is_file():
        raise fail([InputError("--index", f"no index at {target}: run 'mesostage trials demo', import or sync")])
    try:
        with TrialIndex.open(target) as idx:
            rows = idx.search(query, limit=limit)
    except DamagedIndex as exc:
        raise fail([InputError("--index", str(exc))]) from None
    except sqlite3.OperationalError as exc:  # a malformed FTS5 query
        raise fail([InputError("QUERY", f"not a valid search: {exc}")]) from None
    for nct, title, status, _rank in rows:
        typer.echo(f"{nct}  {status:<22} {title}")
    if not rows:
        typer.echo("no trial found")
