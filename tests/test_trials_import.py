"""Importing ClinicalTrials.gov API v2 JSON: the layout's quirks, damaged sources, transactions, idempotence."""

from __future__ import annotations

import dataclasses
import io
import json
import sqlite3
import zipfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mesostage.trials import ImportFailed, TrialIndex, import_records, import_source, importer, load_demo, parse_study
from mesostage.trials.importer import iter_source
from mesostage.trials.jsonstream import JsonStreamError, iter_json_studies
from mesostage.trials.study import parse_age_years, trial_from_dict
from tests.trials_factories import CTGOV_EXAMPLES, DEMO, real_record, study, write_json


def _zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def _nct(n: int) -> str:
    return f"NCT{n:08d}"


# ---------------------------------------------------------------------------------------------- layout quirks


def test_real_record_unknown_status_keeps_last_known_apart() -> None:
    trial = parse_study(real_record("NCT03475563.v2.json"))
    assert trial.nct_id == "NCT03475563"
    assert trial.overall_status == "UNKNOWN"
    assert trial.last_known_status == "RECRUITING"  # recorded, never taken as the current status
    assert trial.min_age_years == 18.0
    assert trial.max_age_years is None  # no maximumAge in the record: no upper limit
    assert trial.phases == ()  # an observational study has no phases
    assert [s.city for s in trial.sites] == ["Sabadell", "Barcelona", "León"]
    assert trial.sites[0].lat == pytest.approx(41.54329)
    assert trial.url == "https://clinicaltrials.gov/study/NCT03475563"
    assert not trial.fictional


def test_real_record_not_yet_recruiting_with_site_contacts() -> None:
    trial = parse_study(real_record("NCT06171568.v2.json"))
    assert trial.overall_status == "NOT_YET_RECRUITING"
    assert trial.sites
    assert any(c.name for s in trial.sites for c in s.contacts)


@pytest.mark.parametrize(
    ("text", "years"),
    [("18 Years", 18.0), ("6 Months", 0.5), ("2 Weeks", 14 / 365.25), ("N/A", None), (None, None)],
)
def test_age_strings(text: str | None, years: float | None) -> None:
    assert parse_age_years(text) == (pytest.approx(years) if years is not None else None)


def test_missing_ages_phases_and_bare_sites() -> None:
    raw = study(
        min_age=None,
        phases=None,
        locations=[{"city": "Turin", "country": "Italy"}, {"facility": "No Status Clinic", "city": "Leeds"}],
    )
    trial = parse_study(raw)
    assert (trial.min_age_years, trial.max_age_years) == (None, None)
    assert trial.phases == ()
    assert trial.sites[0].facility is None
    assert trial.sites[0].status is None
    assert trial.sites[0].lat is None
    assert trial.sites[1].status is None
    assert trial.warnings == ()


def test_unknown_enum_values_are_kept_and_reported() -> None:
    raw = study(status="PAUSED_FOR_REVIEW", phases=["PHASE5"], sex="UNSPECIFIED")
    raw["protocolSection"]["designModule"]["studyType"] = "REGISTRY_ONLY"
    trial = parse_study(raw)
    assert trial.overall_status == "PAUSED_FOR_REVIEW"
    text = " ".join(trial.warnings)
    for value in ("PAUSED_FOR_REVIEW", "PHASE5", "UNSPECIFIED", "REGISTRY_ONLY"):
        assert value in text


def test_unreadable_age_is_a_warning_not_a_crash() -> None:
    trial = parse_study(study(min_age="eighteen"))
    assert trial.minimum_age == "eighteen"
    assert trial.min_age_years is None
    assert "minimumAge" in " ".join(trial.warnings)


def test_bad_geo_point_is_dropped_with_warning() -> None:
    loc = {"facility": "X", "status": "RECRUITING", "city": "Boston", "country": "United States"}
    trial = parse_study(study(locations=[{**loc, "geoPoint": {"lat": 123.0, "lon": 5}}]))
    assert trial.sites[0].lat is None
    assert "geoPoint" in " ".join(trial.warnings)


# ---------------------------------------------------------------------------------------------- stream shapes


def test_stream_reads_array_envelope_and_single_study_in_small_chunks() -> None:
    studies = [study(_nct(i)) for i in range(1, 4)]
    envelope: dict[str, Any] = {}
    shapes = [
        json.dumps(studies),
        json.dumps({"totalCount": 3, "studies": studies, "nextPageToken": "abc"}),
        json.dumps(studies[0]),
    ]
    got = [
        [
            s["protocolSection"]["identificationModule"]["nctId"]
            for s in iter_json_studies(io.BytesIO(t.encode()), envelope)
        ]
        for t in shapes
    ]
    assert got == [[_nct(1), _nct(2), _nct(3)], [_nct(1), _nct(2), _nct(3)], [_nct(1)]]
    assert envelope == {"totalCount": 3, "nextPageToken": "abc"}


def test_stream_memory_is_bounded_by_one_study(monkeypatch: pytest.MonkeyPatch) -> None:
    """A large array is read chunk by chunk: the buffer never holds much more than one study and one chunk."""
    from mesostage.trials import jsonstream

    big = [study(_nct(i), criteria="x" * 5000) for i in range(400)]
    data = json.dumps(big).encode()
    sizes: list[int] = []
    original = jsonstream._Reader._fill

    def spy(self: Any) -> None:
        original(self)
        sizes.append(len(self.buf))

    monkeypatch.setattr(jsonstream._Reader, "_fill", spy)
    assert sum(1 for _ in iter_json_studies(io.BytesIO(data))) == 400
    assert len(data) > 30 * jsonstream._CHUNK
    assert max(sizes) < 3 * jsonstream._CHUNK


@pytest.mark.parametrize("text", ['{"studies": [{"a": 1}, ', "[1, 2", "{", '{"a": 1} x', ""])
def test_stream_rejects_broken_json(text: str) -> None:
    with pytest.raises(JsonStreamError):
        list(iter_json_studies(io.BytesIO(text.encode())))


# ---------------------------------------------------------------------------------------------- importing


def test_bulk_zip_with_corrupt_member_in_the_middle(tmp_path: Path) -> None:
    members = {f"ctg-studies.json/{_nct(i)}.json": json.dumps(study(_nct(i))).encode() for i in range(1, 6)}
    members[f"ctg-studies.json/{_nct(3)}.json"] = b'{"protocolSection": {"identificationModule": {"nctId": "NCT000'
    members[f"ctg-studies.json/{_nct(9)}.json"] = json.dumps({"protocolSection": {"statusModule": {}}}).encode()
    bad_id = study(_nct(4))
    bad_id["protocolSection"]["contactsLocationsModule"]["locations"] = "Boston"
    members[f"ctg-studies.json/{_nct(4)}.json"] = json.dumps(bad_id).encode()
    source = _zip(tmp_path / "ctg-studies.json.zip", members)
    report = import_source(source, tmp_path / "index.sqlite")
    assert report.imported == 3
    malformed = {(m.nct_id, m.message.split(" (")[0]) for m in report.malformed}
    assert (_nct(3), "invalid JSON: Unterminated string starting at") in malformed
    assert (_nct(4), "contactsLocationsModule.locations is not a list") in malformed
    assert (None, "no protocolSection.identificationModule object") in malformed
    assert _nct(4) in report.summary()
    with TrialIndex.open(tmp_path / "index.sqlite") as idx:
        assert idx.count() == 3


def test_zip_members_read_whole_give_what_the_streaming_reader_gives(tmp_path: Path) -> None:
    """A bulk zip's one-study members are decoded in one step; every other member (an array, a search response,
    a byte-order mark, broken or empty JSON, an integer Python refuses) still reads as the streaming reader reads
    it, record for record and message for message."""
    corpus = Path(__file__).parent / "data" / "trials_real" / "studies.json"
    real = json.loads(corpus.read_text(encoding="utf-8"))["studies"]
    members = {f"ctg-studies.json/{s['protocolSection']['identificationModule']['nctId']}.json": s for s in real}
    raw = {name: json.dumps(s, ensure_ascii=False).encode() for name, s in members.items()}
    raw |= {
        "a/NCT90000001.json": b"\xef\xbb\xbf" + json.dumps(study(_nct(90000001))).encode(),
        "a/NCT90000002.json": json.dumps([study(_nct(90000002)), 7]).encode(),
        "a/NCT90000003.json": json.dumps({"studies": [study(_nct(90000003))], "nextPageToken": "x"}).encode(),
        "a/NCT90000004.json": b"{}",
        "a/NCT90000005.json": b"  \n ",
        "a/NCT90000006.json": json.dumps(study(_nct(90000006))).encode() + b" {}",
        "a/NCT90000007.json": b'{"protocolSection": {"n": ' + b"9" * 5000 + b"}}",
        "a/NCT90000008.json": b'{"protocolSection": {"briefTitle": "caf\xe9"}}',
        "a/NCT90000009.json": b'{"studies": 3, "protocolSection": {}}',
    }
    source = _zip(tmp_path / "ctg-studies.json.zip", raw)
    expected = [r for name, data in raw.items() for r in importer._stream(io.BytesIO(data), name, single_file=False)]
    got = list(iter_source(source))
    assert got == expected
    assert len([r for _, r in got if isinstance(r, dict)]) == len(real) + 5


def test_truncated_zip_fails_and_keeps_previous_index(tmp_path: Path) -> None:
    index = tmp_path / "index.sqlite"
    load_demo(index)
    before = index.read_bytes()
    members = {f"{_nct(i)}.json": json.dumps(study(_nct(i))).encode() for i in range(1, 50)}
    whole = _zip(tmp_path / "whole.zip", members).read_bytes()
    truncated = tmp_path / "ctg-studies.json.zip"
    truncated.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(ImportFailed, match="truncated or damaged"):
        import_source(truncated, index)
    assert index.read_bytes() == before
    assert not list(tmp_path.glob(".index.sqlite.importing-*"))


def test_interrupted_import_leaves_previous_index_intact(tmp_path: Path) -> None:
    index = tmp_path / "index.sqlite"
    load_demo(index)
    before = index.read_bytes()

    def records() -> Any:
        for i in range(1, 2000):
            if i == 1200:
                raise KeyboardInterrupt  # the person pressed Ctrl-C half-way
            yield (f"{_nct(i)}.json", study(_nct(i)))

    with pytest.raises(KeyboardInterrupt):
        import_records(records(), index, source="test")
    assert index.read_bytes() == before
    with TrialIndex.open(index) as idx:
        assert idx.has_fictional()
        assert idx.get(_nct(1)) is None


def test_reimport_is_idempotent_and_merge_updates(tmp_path: Path) -> None:
    folder = tmp_path / "studies"
    for i in range(1, 6):
        write_json(folder / "00" / f"{_nct(i)}.json", study(_nct(i)))  # shard folders, as some dumps use
    index = tmp_path / "index.sqlite"
    first = import_source(folder, index)
    second = import_source(folder, index)
    assert first.imported == second.imported == 5
    with TrialIndex.open(index) as idx:
        assert idx.count() == 5
        rows = sorted(n for n, *_ in idx.search("mesothelioma", limit=50))
    assert rows == [_nct(i) for i in range(1, 6)]
    write_json(folder / "00" / f"{_nct(2)}.json", study(_nct(2), status="COMPLETED"))
    import_source(folder / "00" / f"{_nct(2)}.json", index, mode="merge")
    with TrialIndex.open(index) as idx:
        assert idx.count() == 5
        updated = idx.get(_nct(2))
        assert updated is not None
        assert updated.trial.overall_status == "COMPLETED"
        # FTS rows are replaced with the trial, not duplicated
        assert len(idx.search("mesothelioma", limit=50)) == 5


def test_duplicate_nct_in_one_source_keeps_the_last(tmp_path: Path) -> None:
    path = write_json(tmp_path / "search.json", {"studies": [study(_nct(1)), study(_nct(1), status="COMPLETED")]})
    report = import_source(path, tmp_path / "i.sqlite")
    assert (report.imported, report.duplicates) == (1, 1)
    with TrialIndex.open(tmp_path / "i.sqlite") as idx:
        got = idx.get(_nct(1))
        assert got is not None
        assert got.trial.overall_status == "COMPLETED"


def test_scope_filter_and_all_studies(tmp_path: Path) -> None:
    data = [study(_nct(1)), study(_nct(2), conditions=("Coronary Artery Disease",), criteria="* Age over 18")]
    path = write_json(tmp_path / "ctg-studies.json", data)
    meso = import_source(path, tmp_path / "a.sqlite")
    assert (meso.imported, meso.skipped_out_of_scope) == (1, 1)
    everything = import_source(path, tmp_path / "b.sqlite", scope="all")
    assert everything.imported == 2


def test_real_records_import_with_all_studies(tmp_path: Path) -> None:
    folder = tmp_path / "real"
    for name in ("NCT03475563.v2.json", "NCT06171568.v2.json"):
        write_json(folder / name, real_record(name))
    report = import_source(folder, tmp_path / "i.sqlite", scope="all")
    assert report.imported == 2
    assert report.malformed == []


def test_every_real_record_is_stored_and_read_back_whole() -> None:
    """The index stores each trial as ``Trial.to_dict`` JSON: for the 139 real records of the corpus it is what
    ``dataclasses.asdict`` gives, and reads back as the same trial, sites and contacts included."""
    corpus = Path(__file__).parent / "data" / "trials_real" / "studies.json"
    trials = [parse_study(s) for s in json.loads(corpus.read_text(encoding="utf-8"))["studies"]]
    assert len(trials) == 139
    assert sum(len(t.sites) for t in trials) > 20
    for trial in trials:
        assert trial.to_dict() == dataclasses.asdict(trial)
        stored = json.loads(json.dumps(trial.to_dict(), ensure_ascii=False))
        assert trial_from_dict(stored) == trial


_SCOPE_WORDS = [
    "Mesothelioma",
    "MESOTHELIOMAS",
    "MPM",
    "mpem",
    "PeM",
    "pemetrexed",
    "Malignant",
    "pleural",
    "effusion",
    "MPE",
    "mpd",
    "mesothelin",
    "MSLN",
    "non-",
    "No",
    "é",
    "İ",
    "\u017f",  # long s: matches "s" in a case-insensitive pattern
    "\u212a",  # Kelvin sign: matches "k"
    " ",
    "-",
    ";",
    ".",
    "(",
    ")",
    "\n",
]


@given(st.lists(st.sampled_from(_SCOPE_WORDS), max_size=12).map("".join))
def test_the_quick_word_test_never_hides_a_match_of_the_scope_patterns(text: str) -> None:
    """Import tests eligibility text for plain words before running the slow scope patterns on it: wherever a
    pattern matches, the quick test lets it run (with non-ASCII letters that case-folding treats specially)."""
    from mesostage.trials import scope

    for pattern, words in ((scope._MESO, scope._MESO_WORDS), (scope._EFFUSION, scope._EFFUSION_WORDS)):
        if pattern.search(text):
            assert scope._may_name(text, words)
        if pattern.search(text.upper()):
            assert scope._may_name(text.upper(), words)


def test_the_quick_word_test_lets_every_real_mention_through() -> None:
    from mesostage.trials import scope

    corpus = Path(__file__).parent / "data" / "trials_real" / "studies.json"
    mentions = 0
    for trial in (parse_study(s) for s in json.loads(corpus.read_text(encoding="utf-8"))["studies"]):
        texts = (trial.eligibility_text, trial.brief_title, trial.official_title or "", *trial.conditions)
        for text in texts:
            for pattern, words in ((scope._MESO, scope._MESO_WORDS), (scope._EFFUSION, scope._EFFUSION_WORDS)):
                if pattern.search(text):
                    mentions += 1
                    assert scope._may_name(text, words), text[:80]
    assert mentions > 100


def test_single_file_with_broken_syntax_fails_whole(tmp_path: Path) -> None:
    path = tmp_path / "ctg-studies.json"
    path.write_text(json.dumps([study(_nct(1))])[:-40], encoding="utf-8")
    index = tmp_path / "i.sqlite"
    with pytest.raises(ImportFailed):
        import_source(path, index)
    assert not index.exists()


def test_source_without_any_valid_study_changes_nothing(tmp_path: Path) -> None:
    index = tmp_path / "i.sqlite"
    load_demo(index)
    before = index.read_bytes()
    path = write_json(tmp_path / "empty.json", {"studies": [{"protocolSection": {}}]})
    with pytest.raises(ImportFailed, match="no valid study to import"):
        import_source(path, index)
    assert index.read_bytes() == before


def test_demo_and_real_records_are_never_mixed(tmp_path: Path) -> None:
    index = tmp_path / "i.sqlite"
    demo = load_demo(index)
    assert demo.imported >= 30
    path = write_json(tmp_path / "one.json", study(_nct(7)))
    report = import_source(path, index, mode="merge")
    assert report.fictional_removed == demo.imported
    with TrialIndex.open(index) as idx:
        assert not idx.has_fictional()
        assert idx.count() == 1


def test_demo_set_is_fictional_everywhere() -> None:
    studies = json.loads(DEMO.read_text(encoding="utf-8"))["studies"]
    assert len(studies) >= 30
    for s in studies:
        ident = s["protocolSection"]["identificationModule"]
        assert ident["nctId"].startswith("NCT99")
        assert ident["briefTitle"].startswith("[FICTIONAL]")
        assert ident["officialTitle"].startswith("[FICTIONAL]")
        assert ident["orgStudyIdInfo"]["id"].startswith("MESOSTAGE-FICTIONAL-")
        assert "FICTIONAL" in s["protocolSection"]["descriptionModule"]["briefSummary"]
        trial = parse_study(s)
        assert trial.fictional
        assert trial.url is None
        assert trial.warnings == ()


def test_iter_source_missing_path(tmp_path: Path) -> None:
    with pytest.raises(ImportFailed, match="no such file"):
        iter_source(tmp_path / "nope.zip")


def test_index_refuses_a_file_that_is_not_an_index(tmp_path: Path) -> None:
    other = tmp_path / "other.sqlite"
    sqlite3.connect(other).execute("CREATE TABLE x (y)").connection.close()
    with pytest.raises(ValueError, match="not a mesostage trial index"):
        TrialIndex.open(other)


class _Trickle(io.RawIOBase):
    """A stream that hands out at most a few bytes per read, as a slow pipe or zip member can."""

    def __init__(self, data: bytes, sizes: list[int]) -> None:
        self._data = data
        self._sizes = sizes or [1]
        self._pos = 0
        self._i = 0

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        k = self._sizes[self._i % len(self._sizes)]
        self._i += 1
        chunk = self._data[self._pos : self._pos + min(k, n if n >= 0 else k)]
        self._pos += len(chunk)
        return chunk


_JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-(10**6), 10**6) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=8,
)


@given(
    items=st.lists(st.dictionaries(st.text(min_size=1, max_size=6), _JSON_VALUES, min_size=1, max_size=4), max_size=5),
    sizes=st.lists(st.integers(1, 7), min_size=1, max_size=5),
    envelope=st.booleans(),
)
def test_stream_reads_the_same_whatever_the_chunking(
    items: list[dict[str, Any]], sizes: list[int], envelope: bool
) -> None:
    doc = {"totalCount": len(items), "studies": items} if envelope else items
    data = json.dumps(doc, ensure_ascii=False).encode()
    assert list(iter_json_studies(_Trickle(data, sizes))) == items  # type: ignore[arg-type]


# ------------------------------------------------------------------------- the reader on real records and large values


def _real_sources() -> list[Path]:
    files = [CTGOV_EXAMPLES / "NCT03475563.v2.json", CTGOV_EXAMPLES / "NCT06171568.v2.json"]
    files.append(CTGOV_EXAMPLES.parent / "real_excerpts" / "studies.json")
    missing = [f for f in files if not f.is_file()]
    if missing:
        pytest.skip(f"reference data not present: {missing[0]}")
    return files


def _studies_of(doc: Any) -> list[Any]:
    return doc["studies"] if isinstance(doc, dict) and "studies" in doc else doc if isinstance(doc, list) else [doc]


@pytest.mark.parametrize("sizes", [[], [1], [3, 7, 1], [4096]], ids=["chunked", "1-byte", "3-7-1", "4-KiB"])
def test_stream_gives_the_real_records_exactly(sizes: list[int]) -> None:
    """The 14 real ClinicalTrials.gov records in ../shared (two whole API v2 studies and the 12-study search
    response of real excerpts), and all of them as one array, read as json.loads reads them, whatever the reads."""
    sources = _real_sources()
    docs = [json.loads(p.read_bytes()) for p in sources]
    expected = [s for doc in docs for s in _studies_of(doc)]
    assert len(expected) == 14
    as_array = json.dumps(expected, ensure_ascii=False).encode()
    for data, want in [
        *((p.read_bytes(), _studies_of(d)) for p, d in zip(sources, docs, strict=True)),
        (as_array, expected),
    ]:
        stream: Any = _Trickle(data, sizes) if sizes else io.BytesIO(data)
        assert list(iter_json_studies(stream)) == want


def test_one_large_value_is_read_in_geometrically_growing_reads(monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 15: a fixed read size decoded one large study again after every 64 KiB (8.6 s for 16.6 MB). Each read
    now takes at least what is still unread, so a value of 64 read sizes needs a handful of reads, not 64."""
    from mesostage.trials import jsonstream

    big = study(_nct(1), criteria="* criterion text\n" * (64 * jsonstream._CHUNK // 17))
    data = json.dumps({"studies": [big, study(_nct(2))]}).encode()
    assert len(data) > 64 * jsonstream._CHUNK
    reads: list[int] = []
    original = jsonstream._Reader._fill

    def spy(self: Any) -> None:
        before = self.consumed + len(self.buf)
        original(self)
        reads.append(self.consumed + len(self.buf) - before)

    monkeypatch.setattr(jsonstream._Reader, "_fill", spy)
    got = list(iter_json_studies(io.BytesIO(data)))
    assert got == [big, study(_nct(2))]
    assert len(reads) <= 10  # 64 KiB, 64, 128, 256, ...: log2(64) + a few
    assert reads[1:4] == sorted(reads[1:4])
