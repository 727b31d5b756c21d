"""Batch issuance from CSV: precise errors, all-or-nothing output, --skip-invalid."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from issuer.batch import BatchSummary, issue_batch
from issuer.errors import BatchInputError, BatchRejected, RowError
from issuer.output import DirectorySink, JsonlSink, open_sink
from issuer.signing import IssuedCredential, Signer, UnsignedCredential
from schemas.credential import CredentialClaims
from schemas.frameworks import builtin_framework
from schemas.occupations import builtin_occupation_table
from schemas.status_list import StatusEntry
from tests.conftest import (
    NATIONAL_ID,
    NOW,
    TEST_STATUS,
    MemoryLog,
    trust_for,
    trusted_with_log,
)
from verifier import Result, verify_credential

HEADER = "name,national_id,occupation_code,level,certificate_number,issued_on,valid_until\n"
TODAY = date(2026, 1, 1)
GOOD_ROWS = [
    f"陈示范,{NATIONAL_ID},6-31-01-03,4,Y100044440101244000001,2024-06-18,\n",
    f"李演示,{NATIONAL_ID},4-03-02-01,3,Y100044440102233000002,2023-11-02,2028-11-01\n",
    f"王样例,{NATIONAL_ID},4-10-01-05,5,Y100044440103255000003,2025-03-09,\n",
]


def _csv(tmp_path: Path, *rows: str, header: str = HEADER, name: str = "pass.csv") -> Path:
    path = tmp_path / name
    path.write_text(header + "".join(rows), encoding="utf-8")
    return path


def _run(
    path: Path, signer: Signer, out: Path, **options: object
) -> tuple[BatchSummary, list[RowError]]:
    errors: list[RowError] = []
    options.setdefault("on_error", errors.append)
    summary = issue_batch(
        path,
        signer,
        open_sink(out),
        occupations=builtin_occupation_table(),
        framework=builtin_framework("CN-VQ-5"),
        today=TODAY,
        **options,  # type: ignore[arg-type]
    )
    return summary, errors


def _rejected_errors(path: Path, signer: Signer, out: Path) -> list[RowError]:
    """Run a batch that must be rejected; return every error it reported."""
    errors: list[RowError] = []
    with pytest.raises(BatchRejected):
        _run(path, signer, out, on_error=errors.append)
    return errors


def test_signs_every_row_into_jsonl(tmp_path: Path, signer: Signer, memory_log: MemoryLog) -> None:
    out = tmp_path / "out.jsonl"
    asked: list[int] = []

    def allocate(count: int) -> list[tuple[StatusEntry, ...]]:
        asked.append(count)
        return [TEST_STATUS] * count

    summary, errors = _run(_csv(tmp_path, *GOOD_ROWS), signer, out, allocate_status=allocate)
    assert (summary, errors, asked) == (BatchSummary(rows=3, signed=3, invalid=0), [], [3])
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["row"] for r in records] == [2, 3, 4]
    assert records[0]["certificate_number"] == "Y100044440101244000001"
    keys = trusted_with_log(memory_log, signer)
    for record in records:
        evidence = memory_log.record(record["jws"])
        report = verify_credential(record["jws"], keys, NOW, evidence)
        assert report.result is Result.VALID
        assert report.credential is not None and report.credential.id == record["id"]
        assert report.credential.claims.status == TEST_STATUS
    assert not list(tmp_path.glob(".out.jsonl*"))


def test_signs_into_a_directory(tmp_path: Path, signer: Signer) -> None:
    out = tmp_path / "signed"
    _run(_csv(tmp_path, *GOOD_ROWS), signer, out)
    files = sorted(out.iterdir())
    assert len(files) == 3 and all(f.suffix == ".jwt" for f in files)
    report = verify_credential(files[0].read_bytes(), trust_for(signer), NOW)
    assert report.credential is not None
    assert report.credential.id == f"urn:uuid:{files[0].stem}"


_FULL_WIDTH_ID = "".join(chr(0xFF10 + int(c)) for c in "11010519491231002") + "X"
_FULL_WIDTH_SERIAL = "".join(chr(0xFF10 + int(c)) for c in "100044440101244000009")

BAD_ROWS = [
    (
        "陈示范,110105194912310021,6-31-01-03,4,Y100044440101244000009,2024-06-18,\n",
        "national_id",
        "check digit does not match (GB 11643-1999)",
    ),
    (
        f"陈示范,{NATIONAL_ID},6-31-01-99,4,Y100044440101244000009,2024-06-18,\n",
        "occupation_code",
        "6-31-01-99 is not in the CN-OC-2022 occupational classification",
    ),
    (
        f"陈示范,{NATIONAL_ID},6-31-0103,4,Y100044440101244000009,2024-06-18,\n",
        "occupation_code",
        "'6-31-0103' is not an occupation code of the form D-DD-DD-DD",
    ),
    (
        f"陈示范,{NATIONAL_ID},6-31-01-03,6,Y100044440101244000009,2024-06-18,\n",
        "level",
        "'6' is not a level of CN-VQ-5 (valid: 5, 4, 3, 2, 1)",
    ),
    (
        # Full-width digits, as an IME types them, with a check digit they would make right.
        f"陈示范,{_FULL_WIDTH_ID},6-31-01-03,4,Y100044440101244000009,2024-06-18,\n",
        "national_id",
        "must be 17 digits 0-9 followed by a digit or X (18 characters, not full-width)",
    ),
    (
        f"陈示范,{NATIONAL_ID},6-31-01-03,4,Y{_FULL_WIDTH_SERIAL},2024-06-18,\n",
        "certificate_number",
        f"'Y{_FULL_WIDTH_SERIAL}' is not a certificate number (Y or S followed by 21 digits)",
    ),
    (
        f"陈示范,{NATIONAL_ID},6-31-01-03,4,Y100044440101244000009,0001-01-01,\n",
        "issued_on",
        "'0001-01-01' is outside 0001-01-03 .. 9999-12-29",
    ),
    (
        f"陈示范,{NATIONAL_ID},6-31-01-03,4,X100044440101244000009,2024-06-18,\n",
        "certificate_number",
        "'X100044440101244000009' is not a certificate number (Y or S followed by 21 digits)",
    ),
    (
        f"陈示范,{NATIONAL_ID},6-31-01-03,4,Y100044440101244000001,2024-06-18,\n",
        "certificate_number",
        "duplicate of row 2",
    ),
    (
        f"陈示范,{NATIONAL_ID},6-31-01-03,4,Y100044440101244000009,2024-13-01,\n",
        "issued_on",
        "'2024-13-01' is not a date of the form YYYY-MM-DD",
    ),
    (
        f"陈示范,{NATIONAL_ID},6-31-01-03,4,Y100044440101244000009,2026-01-02,\n",
        "issued_on",
        "2026-01-02 is after today (2026-01-01)",
    ),
    (
        f"陈示范,{NATIONAL_ID},6-31-01-03,4,Y100044440101244000009,2024-06-18,2024-06-18\n",
        "valid_until",
        "2024-06-18 is not after issued_on 2024-06-18",
    ),
    (f",{NATIONAL_ID},6-31-01-03,4,Y100044440101244000009,2024-06-18,\n", "name", "missing value"),
    (
        f"陈\x07示范,{NATIONAL_ID},6-31-01-03,4,Y100044440101244000009,2024-06-18,\n",
        "name",
        "must be printable and at most 100 characters",
    ),
    (
        f"陈示范,{NATIONAL_ID},6-31-01-03,4,Y100044440101244000009,2024-06-18,,extra\n",
        "-",
        "8 fields, header has 7",
    ),
]


@pytest.mark.parametrize(("row", "field", "reason"), BAD_ROWS)
def test_each_bad_field_is_named(
    tmp_path: Path, signer: Signer, row: str, field: str, reason: str
) -> None:
    path = _csv(tmp_path, GOOD_ROWS[0], row)
    out = tmp_path / "out.jsonl"
    errors = _rejected_errors(path, signer, out)
    assert [str(e) for e in errors] == [f"{path}:3:{field}: {reason}"]
    assert not out.exists()
    assert list(tmp_path.iterdir()) == [path]


def test_every_error_of_a_row_is_reported(tmp_path: Path, signer: Signer) -> None:
    path = _csv(tmp_path, "张三,123,6-31,9,Y1,2024-02-30,x\n")
    errors = _rejected_errors(path, signer, tmp_path / "o.jsonl")
    assert [e.field for e in errors] == [
        "national_id",
        "occupation_code",
        "level",
        "certificate_number",
        "issued_on",
        "valid_until",
    ]
    assert all("123" not in e.reason for e in errors if e.field == "national_id")


def test_row_is_the_line_a_multiline_record_starts_on(tmp_path: Path, signer: Signer) -> None:
    quoted = f'"陈\n示范",{NATIONAL_ID},6-31-01-03,4,Y100044440101244000002,2024-06-18,\n'
    bad = f"李演示,{NATIONAL_ID},6-31-01-03,9,Y100044440101244000003,2024-06-18,\n"
    errors = _rejected_errors(_csv(tmp_path, quoted, bad), signer, tmp_path / "o.jsonl")
    assert [(e.row, e.field) for e in errors] == [(2, "name"), (4, "level")]


def test_skip_invalid_signs_the_rest(tmp_path: Path, signer: Signer) -> None:
    out = tmp_path / "out.jsonl"
    path = _csv(tmp_path, GOOD_ROWS[0], BAD_ROWS[0][0], GOOD_ROWS[1])
    summary, errors = _run(path, signer, out, skip_invalid=True)
    assert summary == BatchSummary(rows=3, signed=2, invalid=1)
    assert [(e.row, e.field) for e in errors] == [(3, "national_id")]
    assert [json.loads(line)["row"] for line in out.read_text().splitlines()] == [2, 4]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "pass.csv:1:-: empty file: a header row is required"),
        (b"name,national_id\n", "pass.csv:1:occupation_code: missing column in the header row"),
        (HEADER.rstrip().encode() + b",name\n", "pass.csv:1:name: column appears twice"),
        (HEADER.encode() + GOOD_ROWS[0].encode() + b"\xff\xfe,x\n", "pass.csv:3:-: not UTF-8"),
        (HEADER.encode() + b'"unterminated,x\n', "pass.csv:2:-: bad CSV"),
        (b'"name"x,national_id\n', "pass.csv:1:-: bad CSV"),
        (HEADER.rstrip().encode() + b"\r" + GOOD_ROWS[0].encode(), "pass.csv:1:-: bad CSV"),
    ],
)
def test_unreadable_files_name_the_line(
    tmp_path: Path, signer: Signer, content: bytes, message: str
) -> None:
    path = tmp_path / "pass.csv"
    path.write_bytes(content)
    with pytest.raises(BatchInputError) as caught:
        _run(path, signer, tmp_path / "o.jsonl")
    assert str(caught.value).startswith(f"{tmp_path}/{message}")
    assert not (tmp_path / "o.jsonl").exists()


def test_missing_file(tmp_path: Path, signer: Signer) -> None:
    with pytest.raises(BatchInputError, match="No such file"):
        _run(tmp_path / "nope.csv", signer, tmp_path / "o.jsonl")


def test_bom_reordered_and_extra_columns(tmp_path: Path, signer: Signer) -> None:
    header = "certificate_number,issued_on,remark,name,national_id,occupation_code,level\n"
    row = f"Y100044440101244000001,2024-06-18,ok,陈示范,{NATIONAL_ID},6-31-01-03,4\n"
    path = tmp_path / "pass.csv"
    path.write_bytes(b"\xef\xbb\xbf" + (header + row).encode())
    extra: list[list[str]] = []
    summary, _ = _run(path, signer, tmp_path / "o.jsonl", on_extra_columns=extra.append)
    assert summary.signed == 1
    assert extra == [["remark"]]


class _FailingSigner(Signer):
    def __init__(self, inner: Signer, fail_at: int) -> None:
        super().__init__(inner.issuer_id, inner.issuer_name, inner._key)
        self.calls = 0
        self.fail_at = fail_at

    def prepare(
        self, claims: CredentialClaims, credential_id: str | None = None
    ) -> UnsignedCredential:
        self.calls += 1
        if self.calls == self.fail_at:
            raise OSError("disk full")
        return super().prepare(claims, credential_id)


@pytest.mark.parametrize("out_name", ["out.jsonl", "signed"])
def test_failure_mid_batch_publishes_nothing(tmp_path: Path, signer: Signer, out_name: str) -> None:
    path = _csv(tmp_path, *GOOD_ROWS)
    out = tmp_path / out_name
    with pytest.raises(OSError, match="disk full"):
        _run(path, _FailingSigner(signer, fail_at=2), out)
    leftovers = [p for p in tmp_path.rglob("*") if p != path]
    assert leftovers in ([], [out]) and (not out.is_dir() or not any(out.iterdir()))


def test_progress_reports_both_phases(tmp_path: Path, signer: Signer) -> None:
    seen: list[tuple[str, int, int | None]] = []
    _run(
        _csv(tmp_path, *GOOD_ROWS),
        signer,
        tmp_path / "o.jsonl",
        on_progress=lambda *a: seen.append(a),
        progress_every=2,
    )
    assert seen == [
        ("check", 2, None),
        ("check", 3, 3),
        ("sign", 0, 3),
        ("sign", 2, 3),
        ("sign", 3, 3),
    ]


def test_sinks_are_all_or_nothing(
    tmp_path: Path, make_claims: Callable[..., CredentialClaims]
) -> None:
    credential = IssuedCredential("urn:uuid:00000000-0000-4000-8000-000000000000", "a.b.c")
    jsonl = JsonlSink(tmp_path / "x.jsonl")
    jsonl.write(credential, row=2, claims=make_claims())
    assert not (tmp_path / "x.jsonl").exists()
    jsonl.commit()
    assert json.loads((tmp_path / "x.jsonl").read_text())["jws"] == "a.b.c"
    directory = DirectorySink(tmp_path / "d")
    directory.write(credential, row=2, claims=make_claims())
    directory.abort()
    assert list((tmp_path / "d").iterdir()) == []


def test_sinks_write_log_evidence_beside_each_credential(
    tmp_path: Path, make_claims: Callable[..., CredentialClaims]
) -> None:
    credential = IssuedCredential("urn:uuid:00000000-0000-4000-8000-000000000000", "a.b.c")
    evidence = {
        "entry": {"body": {"n": "值"}},
        "index": 0,
        "size": 1,
        "proof": [],
        "checkpoint": "x",
    }
    jsonl = JsonlSink(tmp_path / "x.jsonl")
    jsonl.write(credential, row=2, claims=make_claims(), evidence=evidence)
    jsonl.commit()
    line = json.loads((tmp_path / "x.jsonl").read_text(encoding="utf-8"))
    assert (line["log"], line["certificate_number"]) == (evidence, "Y100044440101244000001")
    directory = DirectorySink(tmp_path / "d")
    directory.write(credential, row=2, claims=make_claims(), evidence=evidence)
    directory.commit()
    stem = tmp_path / "d" / "00000000-0000-4000-8000-000000000000"
    assert stem.with_suffix(".jwt").read_text() == "a.b.c"
    assert json.loads(Path(f"{stem}.proof.json").read_text(encoding="utf-8")) == evidence


@pytest.mark.parametrize(
    ("change", "old", "new"),
    [
        ("append", "", ""),
        ("edit", "陈示范", "陈改名"),
        ("edit", "6-31-01-03", "6-31-01-99"),
        ("edit", "Y100044440101244000001", "X100044440101244000001"),
        ("edit", ",2024-06-18,", ",2027-06-18,"),
        ("edit", ",2024-06-18,", ",2024-06-31,"),
    ],
)
def test_file_changed_between_passes_publishes_nothing(
    tmp_path: Path, signer: Signer, change: str, old: str, new: str
) -> None:
    """The signing pass makes claims without checking the records again; a record changed
    after the check, into one the check would refuse or not, still publishes nothing."""
    path = _csv(tmp_path, *GOOD_ROWS)
    out = tmp_path / "out.jsonl"

    def tamper(phase: str, done: int, total: int | None) -> None:
        if (phase, done) == ("sign", 0):
            text = path.read_text()
            path.write_text(
                text + GOOD_ROWS[0].replace("000001", "000009")
                if change == "append"
                else text.replace(old, new)
            )

    with pytest.raises(BatchInputError, match="file changed while signing"):
        _run(path, signer, out, on_progress=tamper)
    assert not out.exists()


def test_skip_invalid_never_signs_a_duplicate(tmp_path: Path, signer: Signer) -> None:
    out = tmp_path / "out.jsonl"
    path = _csv(tmp_path, GOOD_ROWS[0], GOOD_ROWS[0], BAD_ROWS[0][0])
    summary, errors = _run(path, signer, out, skip_invalid=True)
    assert summary == BatchSummary(rows=3, signed=1, invalid=2)
    assert [(e.row, e.field) for e in errors] == [(3, "certificate_number"), (4, "national_id")]
    assert len(out.read_text().splitlines()) == 1


def test_unnamed_columns_are_ignored_however_many(tmp_path: Path, signer: Signer) -> None:
    """Spreadsheets write empty trailing columns; two of them are not "a column twice"."""
    header = HEADER.rstrip("\n") + ",,\n"
    path = _csv(tmp_path, *(row.rstrip("\n") + ",,\n" for row in GOOD_ROWS), header=header)
    summary, errors = _run(path, signer, tmp_path / "out.jsonl")
    assert errors == []
    assert summary.signed == len(GOOD_ROWS)
