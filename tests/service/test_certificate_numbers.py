"""One certificate number, one certificate: on both backends, through ``skillcert issue``'s
batch path and through ``POST /v1/credentials``.

A batch whose logging stops part way (here: the log refuses the second chunk, as a process
killed between two chunk transactions leaves it) has logged its first chunks and published
nothing. Signing the pass list again must not issue those rows a second time; ``--resume``
(``resume=``) writes the logged credentials out and signs only the rest.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from issuer.batch import BatchSummary, issue_batch
from issuer.errors import BatchRejected, RowError
from issuer.output import JsonlSink
from registry import issuance
from registry.authority import Registry, initialise_home
from registry.bundle import export_bundle
from registry.demo import load_demo
from registry.errors import CertificateNumberTaken
from registry.issuance import LoggedSink, prior_lookup
from registry.settings import Settings
from registry.status import set_credential_status
from schemas.credential import BEIJING
from schemas.frameworks import builtin_framework
from schemas.governance import REVOKED
from schemas.identity import national_id_check_digit
from schemas.log_entry import parse_log_evidence
from schemas.occupations import Occupation, OccupationTable, builtin_occupation_table
from schemas.signed_json import AuthorityKey
from schemas.trust_bundle import read_trust_bundle
from tests.conftest import NATIONAL_ID
from tests.service.conftest import ISSUER, Issuing, assert_problem, log_size
from verifier import verify_credential

HEADER = "name,national_id,occupation_code,level,certificate_number,issued_on\n"
OTHER_ID = "99000019900101002" + national_id_check_digit("99000019900101002")


def _number(serial: int) -> str:
    return f"Y100044440101244{serial:06d}"


def _row(serial: int, name: str = "陈示范", national_id: str = NATIONAL_ID) -> str:
    return f"{name},{national_id},6-31-01-03,4,{_number(serial)},2024-06-18\n"


def _pass_list(path: Path, rows: list[str]) -> Path:
    path.write_text(HEADER + "".join(rows), encoding="utf-8")
    return path


def _issue(
    opened: Registry,
    pass_list: Path,
    out: Path,
    *,
    errors: list[RowError],
    resume: bool = False,
    skip_invalid: bool = False,
    ask_registry: bool = True,
    warnings: list[RowError] | None = None,
    occupations: OccupationTable | None = None,
) -> BatchSummary:
    """``skillcert issue`` in-process; ``ask_registry=False`` leaves out the check of the numbers
    against the registry, as if another command had logged one after it."""
    signer = opened.issuers.signer(ISSUER, datetime.now(UTC))
    sink = LoggedSink(
        JsonlSink(out), opened.log, issuer_id=ISSUER, kid=signer.kid, spool_dir=out.parent
    )
    return issue_batch(
        pass_list,
        signer,
        sink,
        occupations=occupations or builtin_occupation_table(),
        framework=builtin_framework("CN-VQ-5"),
        today=datetime.now(BEIJING).date(),
        skip_invalid=skip_invalid,
        on_error=errors.append,
        allocate_status=opened.status.allocate,
        scopes=opened.issuers.get(ISSUER).scopes,
        on_warning=(warnings if warnings is not None else []).append,
        prior=prior_lookup(opened, ISSUER, datetime.now(UTC)) if ask_registry else None,
        resume=sink.write_prior if resume else None,
    )


def _stop_after_first_append(monkeypatch: pytest.MonkeyPatch, opened: Registry) -> None:
    append = opened.log.append
    calls = 0

    def append_once(*args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls > 1:
            raise RuntimeError("the process stopped here")
        return append(*args, **kwargs)

    monkeypatch.setattr(opened.log, "append", append_once)


def _verify_all(opened: Registry, lines: list[dict[str, Any]]) -> None:
    now = datetime.now(UTC)
    bundle = export_bundle(opened.governance, opened.status, opened.authority_key, now)
    trust = read_trust_bundle(
        bundle, AuthorityKey.from_public_key(opened.authority_key.public_key())
    )
    for line in lines:
        evidence = parse_log_evidence(line["log"])
        report = verify_credential(line["jws"].encode(), trust, now, evidence, max_age=None)
        assert report.result == "valid", report.to_json()


def test_a_batch_stopped_while_logging_is_resumed_without_issuing_twice(
    registry: Registry, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(issuance, "_CHUNK", 3)
    pass_list = _pass_list(tmp_path / "p.csv", [_row(n) for n in range(1, 8)])
    out = tmp_path / "signed.jsonl"
    before = log_size(registry)
    with monkeypatch.context() as stopping:
        _stop_after_first_append(stopping, registry)
        with pytest.raises(RuntimeError, match="stopped"):
            _issue(registry, pass_list, out, errors=[])
    assert not out.exists()
    assert log_size(registry) == before + 3
    logged = registry.log.store.issued_numbers(ISSUER, [_number(n) for n in range(1, 8)])
    assert sorted(logged) == [_number(n) for n in (1, 2, 3)]

    errors: list[RowError] = []
    with pytest.raises(BatchRejected, match="3 invalid row"):
        _issue(registry, pass_list, out, errors=errors)
    assert [(e.row, e.field) for e in errors] == [(r, "certificate_number") for r in (2, 3, 4)]
    assert f"already issued as {logged[_number(1)].id}" in errors[0].reason
    assert "--resume" in errors[0].reason
    assert log_size(registry) == before + 3 and not out.exists()

    summary = _issue(registry, pass_list, out, resume=True, errors=[])
    assert (summary.rows, summary.signed, summary.resumed, summary.invalid) == (7, 4, 3, 0)
    assert log_size(registry) == before + 7
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert sorted(line["row"] for line in lines) == list(range(2, 9))
    by_row = {line["row"]: line for line in lines}
    for serial in (1, 2, 3):
        stored = logged[_number(serial)]
        assert by_row[serial + 1]["id"] == stored.id
        assert by_row[serial + 1]["jws"] == stored.jws
    numbers = registry.log.store.issued_numbers(ISSUER, [_number(n) for n in range(1, 8)])
    assert len({stored.id for stored in numbers.values()}) == 7
    _verify_all(registry, lines)


@pytest.mark.parametrize(
    ("row", "column"),
    [
        (_row(1, name="李另人"), "name"),
        (_row(1, national_id=OTHER_ID), "national_id"),
        (_row(1).replace(",4,", ",3,"), "level"),
        (_row(1).replace("2024-06-18", "2024-06-17"), "issued_on"),
        ("edition", "occupation_code"),
    ],
)
def test_a_number_issued_for_another_award_is_refused_even_when_resuming(
    registry: Registry, tmp_path: Path, row: str, column: str
) -> None:
    first = tmp_path / "first.jsonl"
    _issue(registry, _pass_list(tmp_path / "a.csv", [_row(1)]), first, errors=[])
    size = log_size(registry)
    errors: list[RowError] = []
    occupations = builtin_occupation_table()
    if row == "edition":
        # The same code in another edition of the classification is another occupation.
        row = _row(1)
        code = "6-31-01-03"
        occupations = OccupationTable(
            "CN-OC-2015", {code: Occupation(code, "电工", "Electrician", "CN-OC-2015")}
        )
    with pytest.raises(BatchRejected):
        _issue(
            registry,
            _pass_list(tmp_path / "b.csv", [_row(2), row]),
            tmp_path / "second.jsonl",
            resume=True,
            errors=errors,
            occupations=occupations,
        )
    ((error),) = errors
    assert (error.row, error.field) == (3, "certificate_number")
    assert f"with another {column}; a number is issued once" in error.reason
    assert log_size(registry) == size


def test_skipping_invalid_rows_skips_numbers_issued_before(
    registry: Registry, tmp_path: Path
) -> None:
    _issue(registry, _pass_list(tmp_path / "a.csv", [_row(1)]), tmp_path / "a.jsonl", errors=[])
    pass_list = _pass_list(tmp_path / "b.csv", [_row(1), _row(2), _row(1)])
    out = tmp_path / "b.jsonl"
    errors: list[RowError] = []
    summary = _issue(registry, pass_list, out, errors=errors, skip_invalid=True)
    assert (summary.signed, summary.invalid) == (1, 2)
    assert sorted((e.row, e.reason.split(" ")[0]) for e in errors) == [
        (2, "already"),
        (4, "duplicate"),
    ]
    (line,) = out.read_text(encoding="utf-8").splitlines()
    assert json.loads(line)["row"] == 3


def test_a_number_logged_meanwhile_stops_the_batch_with_a_clear_error(
    registry: Registry, tmp_path: Path
) -> None:
    """Another command logged a number after this batch was checked (here: the batch is not
    checked against the registry at all): the store's unique key refuses the chunk, and the
    error says what is logged and how to go on."""
    _issue(registry, _pass_list(tmp_path / "a.csv", [_row(2)]), tmp_path / "a.jsonl", errors=[])
    size = log_size(registry)
    pass_list = _pass_list(tmp_path / "p.csv", [_row(1), _row(2)])
    with pytest.raises(CertificateNumberTaken, match="0 of 2 credentials are logged"):
        _issue(registry, pass_list, tmp_path / "p.jsonl", errors=[], ask_registry=False)
    assert log_size(registry) == size
    assert not (tmp_path / "p.jsonl").exists()


def test_a_submitted_credential_under_a_taken_number_is_refused(
    client: TestClient, registry: Registry, issuing: Issuing
) -> None:
    number = _number(99)
    first = issuing.sign(certificate_number=number)
    created = client.post("/v1/credentials", json=[first])
    assert created.status_code == 201, created.text
    size = log_size(registry)
    problem = assert_problem(
        client.post("/v1/credentials", json=[issuing.sign(certificate_number=number)]),
        "credentials-refused",
        409,
    )
    (item,) = problem["errors"]
    assert item["type"].endswith("/certificate-number-taken")
    assert created.json()["items"][0]["id"] in item["detail"]
    twice = [issuing.sign(certificate_number=_number(98)) for _ in range(2)]
    problem = assert_problem(client.post("/v1/credentials", json=twice), "credentials-refused", 409)
    assert [(e["position"], e["detail"].split("already ")[1][:7]) for e in problem["errors"]] == [
        (1, "body[0]")
    ]
    assert log_size(registry) == size
    again = client.post("/v1/credentials", json=[first])
    assert again.status_code == 200 and again.json()["items"][0]["created"] is False


def test_a_resumed_credential_that_no_longer_verifies_is_written_out_with_a_warning(
    registry: Registry, tmp_path: Path
) -> None:
    """The output is the issuer's copy of what was issued: a credential revoked since is
    written out as logged, and the warning names what fails."""
    first = tmp_path / "first.jsonl"
    _issue(registry, _pass_list(tmp_path / "a.csv", [_row(1), _row(2)]), first, errors=[])
    revoked = json.loads(first.read_text(encoding="utf-8").splitlines()[0])["id"]
    set_credential_status(registry.governance, revoked, REVOKED, "superseded")
    warnings: list[RowError] = []
    again = tmp_path / "again.jsonl"
    pass_list = _pass_list(tmp_path / "b.csv", [_row(1), _row(2)])
    summary = _issue(registry, pass_list, again, errors=[], resume=True, warnings=warnings)
    assert (summary.resumed, summary.signed) == (2, 0)
    ((warning),) = warnings
    assert (warning.row, warning.field) == (2, "certificate_number")
    assert warning.reason.startswith(f"warning: {revoked} written out as logged")
    assert "status.revoked" in warning.reason
    assert sorted(json.loads(line)["id"] for line in again.read_text().splitlines()) == sorted(
        json.loads(line)["id"] for line in first.read_text().splitlines()
    )


@pytest.mark.parametrize(
    "number",
    [
        "Y100044440101244000777 ",
        " Y100044440101244000777",
        "y100044440101244000777",
        "Ｙ100044440101244000777",
        "Y10004444010124400077７",
    ],
)
def test_a_submitted_number_not_of_the_documented_form_is_refused(
    client: TestClient, registry: Registry, issuing: Issuing, number: str
) -> None:
    """A look-alike of a number would slip past the one-number rule."""
    size = log_size(registry)
    problem = assert_problem(
        client.post("/v1/credentials", json=[issuing.sign(certificate_number=number)]),
        "credentials-refused",
    )
    (item,) = problem["errors"]
    assert item["type"].endswith("/credential-format-invalid")
    assert item["detail"].startswith(f"licenseNumber {number!r}")
    assert log_size(registry) == size


def test_a_logged_credential_under_a_salt_no_issuer_draws_does_not_crash_the_check(
    client: TestClient, registry: Registry, issuing: Issuing, tmp_path: Path
) -> None:
    token = issuing.sign(certificate_number=_number(1), national_id_salt="盐" * 32)
    assert client.post("/v1/credentials", json=[token]).status_code == 201
    errors: list[RowError] = []
    with pytest.raises(BatchRejected):
        _issue(
            registry,
            _pass_list(tmp_path / "p.csv", [_row(1)]),
            tmp_path / "o.jsonl",
            errors=errors,
            resume=True,
        )
    ((error),) = errors
    assert "with another national_id" in error.reason


def test_a_demo_whose_output_was_lost_writes_it_again(settings: Settings) -> None:
    initialise_home(settings)
    first = load_demo(settings, datetime.now(UTC))
    lost = first.credentials / "credentials-Y.jsonl"

    def issued() -> list[tuple[str, str, int]]:
        lines = [json.loads(line) for line in lost.read_text(encoding="utf-8").splitlines()]
        return sorted((line["id"], line["jws"], line["row"]) for line in lines)

    before = issued()
    lost.unlink()
    again = load_demo(settings, datetime.now(UTC))
    assert (again.valid_id, again.revoked_id) == (first.valid_id, first.revoked_id)
    assert issued() == before
