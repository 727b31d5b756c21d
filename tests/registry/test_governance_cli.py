"""The authority's commands end to end, on both backends: what is logged is what a verifier sees.

Every scenario runs the real CLI in-process against a registry on SQLite and on PostgreSQL,
then verifies with a trust bundle exported from that registry, as an employer would.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from registry.cli import app
from schemas.instants import format_instant_ms
from schemas.recognition import recognize
from schemas.trust_bundle import pinned_authority, read_trust_bundle
from tests.conftest import NATIONAL_ID

ISSUER = "urn:skillcert:issuer:gov-test"
HEADER = "name,national_id,occupation_code,level,certificate_number,issued_on\n"


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, database_url: str) -> Path:
    monkeypatch.setenv("SKILLCERT_HOME", str(tmp_path / "var"))
    monkeypatch.setenv("SKILLCERT_DATABASE_URL", database_url)
    monkeypatch.chdir(tmp_path)
    assert invoke("init").exit_code == 0
    return tmp_path / "var"


def invoke(*args: str) -> Any:
    return CliRunner().invoke(app, list(args))


def ok(*args: str) -> str:
    result = invoke(*args)
    assert result.exit_code == 0, result.output
    return str(result.stdout)


def refused(*args: str) -> str:
    result = invoke(*args)
    assert result.exit_code == 2, result.output
    return str(result.stderr)


def _row(number: int, code: str = "6-31-01-03", level: str = "4", on: str = "2024-06-18") -> str:
    return f"持证人{number},{NATIONAL_ID},{code},{level},Y1000444401012440{number:05d},{on}\n"


def _issue(directory: Path, *rows: str, extra: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    """Issue ``rows``; the credentials written, each with its log evidence."""
    pass_list = directory / "pass.csv"
    pass_list.write_text(HEADER + "".join(rows), encoding="utf-8")
    out = directory / "signed.jsonl"
    out.unlink(missing_ok=True)
    ok("issue", str(pass_list), "--issuer", ISSUER, "--out", str(out), *extra)
    return [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]


def _verify(tmp_path: Path, credential: dict[str, Any], *options: str) -> dict[str, Any]:
    path = tmp_path / "one.jsonl"
    path.write_text(json.dumps(credential) + "\n", encoding="utf-8")
    result = invoke("verify", str(path), "--line", "1", "--json", *options)
    assert result.exit_code in (0, 1), result.output
    report: dict[str, Any] = json.loads(result.stdout)
    return report


def _outcome(report: dict[str, Any], name: str) -> tuple[str, str]:
    """The report's result and the code of its check ``name``."""
    (check,) = (c for c in report["checks"] if c["check"] == name)
    return report["result"], check["code"]


def _accredit(*scope: str) -> None:
    ok("issuer", "add", "--id", ISSUER, "--name", "治理测试中心")
    ok("issuer", "scope", ISSUER, *scope)


def _audit() -> dict[str, Any]:
    audit: dict[str, Any] = json.loads(ok("log", "audit", "--json"))
    assert audit["ok"] is True
    return audit


def _entries() -> int:
    return int(_audit()["entries"])


def _logged_at(credential: dict[str, Any]) -> datetime:
    return datetime.fromtimestamp(credential["log"]["entry"]["ts"] / 1000, UTC)


def test_an_issuer_and_its_first_key_are_logged_in_one_transaction(home: Path) -> None:
    before = _audit()
    ok("issuer", "add", "--id", ISSUER, "--name", "治理测试中心")
    after = _audit()
    assert after["entries"] == before["entries"] + 2
    assert after["checkpoints"] == before["checkpoints"] + 1
    (issuer,) = json.loads(ok("issuer", "list", "--json"))
    assert issuer["id"] == ISSUER and len(issuer["keys"]) == 1


def test_an_issuer_whose_first_key_is_refused_is_not_logged_at_all(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A failure between the two changes leaves neither, and no key file for a key no record
    names."""
    monkeypatch.setattr(
        "registry.directory._key_record", lambda kid, key, at: {"kid": kid, "jwk": {}}
    )
    before = _audit()
    assert "key" in refused("issuer", "add", "--id", ISSUER, "--name", "治理测试中心")
    assert _audit()["entries"] == before["entries"]
    assert json.loads(ok("issuer", "list", "--json")) == []
    assert not list((home / "keys" / "issuers").rglob("*.pem"))


def test_rows_outside_the_scope_are_refused_naming_row_and_field(
    home: Path, tmp_path: Path
) -> None:
    _accredit(
        "--occupations", "6-31-*", "--levels", "4,5", "--from", "2020-01-01",
        "--until", "2022-12-31",
    )  # fmt: skip
    ok("issuer", "scope", ISSUER, "--occupations", "4-03-02-*", "--levels", "3",
       "--from", "2020-01-01")  # fmt: skip
    before = _entries()
    pass_list = tmp_path / "pass.csv"
    pass_list.write_text(
        HEADER
        + _row(1, level="3", on="2021-05-01")
        + _row(2, code="4-10-01-05", level="3", on="2021-05-01")
        + _row(3, level="4", on="2021-05-01")
        + _row(4, code="4-03-02-01", level="3", on="2019-12-31")
        + _row(5, code="4-03-02-01", level="3", on="2024-06-18"),
        encoding="utf-8",
    )
    out = tmp_path / "signed.jsonl"
    stderr = refused("issue", str(pass_list), "--issuer", ISSUER, "--out", str(out))
    lines = stderr.splitlines()
    assert [line.split(": ")[0] for line in lines[:4]] == [
        f"{pass_list}:2:level",
        f"{pass_list}:3:occupation_code",
        f"{pass_list}:4:issued_on",
        f"{pass_list}:5:issued_on",
    ]
    assert "accredited for CN-VQ-5 levels 4, 5" in lines[0]
    assert "no accreditation scope covers 4-10-01-05" in lines[1]
    assert "from 2020-01-01 to 2022-12-31" in lines[2] and lines[2].endswith("(today)")
    assert "2019-12-31 is outside" in lines[3] and lines[3].endswith("(issued_on)")
    assert not out.exists()
    assert _entries() == before
    (signed,) = _issue(tmp_path, _row(5, code="4-03-02-01", level="3"), extra=("--skip-invalid",))
    assert _verify(tmp_path, signed)["result"] == "valid"


def test_a_suspended_or_withdrawn_issuer_cannot_issue_and_keeps_its_past(
    home: Path, tmp_path: Path
) -> None:
    _accredit("--occupations", "6-31-*", "--levels", "4", "--from", "2020-01-01")
    (earlier,) = _issue(tmp_path, _row(1))
    ok("issuer", "suspend", ISSUER, "--reason", "inspection pending")
    assert "is suspended; it cannot issue" in refused(
        "issue", str(tmp_path / "pass.csv"), "--issuer", ISSUER, "--out", "x.jsonl"
    )
    ok("issuer", "reinstate", ISSUER, "--reason", "inspection passed")
    (later,) = _issue(tmp_path, _row(2))
    ok("issuer", "withdraw", ISSUER, "--reason", "filing cancelled")
    assert "is withdrawn; it cannot issue" in refused(
        "issue", str(tmp_path / "pass.csv"), "--issuer", ISSUER, "--out", "x.jsonl"
    )
    assert "final" in refused("issuer", "reinstate", ISSUER, "--reason", "appeal")
    for credential in (earlier, later):
        report = _verify(tmp_path, credential)
        assert _outcome(report, "issuer_in_scope") == (
            "valid",
            "issuer_in_scope.ok",
        )
    listed = json.loads(ok("issuer", "list", "--json"))
    assert [s["status"] for s in listed[0]["status_history"]] == [
        "suspended",
        "active",
        "withdrawn",
    ]


def test_compromise_time_is_honoured_on_both_sides_of_the_boundary(
    home: Path, tmp_path: Path
) -> None:
    _accredit("--occupations", "6-31-*", "--levels", "4", "--from", "2020-01-01")
    (first,) = _issue(tmp_path, _row(1))
    (second,) = _issue(tmp_path, _row(2))
    kid = second["log"]["entry"]["body"]["kid"]
    boundary = _logged_at(second)
    assert _logged_at(first) < boundary

    ok("issuer", "compromise", ISSUER, "--kid", kid, "--at",
       format_instant_ms(boundary + timedelta(milliseconds=1)))  # fmt: skip
    report = _verify(tmp_path, second)
    assert _outcome(report, "key_valid_at_issuance") == (
        "valid",
        "key_valid_at_issuance.ok",
    )
    assert "rotate-key" in refused(
        "issue", str(tmp_path / "pass.csv"), "--issuer", ISSUER, "--out", "x.jsonl"
    )

    later = format_instant_ms(boundary + timedelta(milliseconds=2))
    assert "earlier" in refused("issuer", "compromise", ISSUER, "--kid", kid, "--at", later)
    ok("issuer", "compromise", ISSUER, "--kid", kid, "--at", format_instant_ms(boundary))
    report = _verify(tmp_path, second)
    assert _outcome(report, "key_valid_at_issuance") == (
        "invalid",
        "key_valid_at_issuance.compromised",
    )
    assert _verify(tmp_path, first)["result"] == "valid"

    rotated = ok("issuer", "rotate-key", ISSUER)
    (third,) = _issue(tmp_path, _row(3))
    assert third["log"]["entry"]["body"]["kid"] != kid
    assert third["log"]["entry"]["body"]["kid"] in rotated
    assert _verify(tmp_path, third)["result"] == "valid"


def test_revocation_is_final_and_a_suspension_can_be_lifted(home: Path, tmp_path: Path) -> None:
    _accredit("--occupations", "6-31-*", "--levels", "4", "--from", "2020-01-01")
    revoked, suspended = _issue(tmp_path, _row(1), _row(2))
    assert _verify(tmp_path, revoked)["result"] == "valid"

    ok("revoke", revoked["id"], "--reason", "fraudulent")
    report = _verify(tmp_path, revoked)
    assert _outcome(report, "status") == ("invalid", "status.revoked")
    assert "final" in refused("reinstate", revoked["id"], "--reason", "other")
    assert "final" in refused("suspend", revoked["id"], "--reason", "disputed")

    ok("suspend", suspended["id"], "--reason", "under_investigation")
    report = _verify(tmp_path, suspended)
    assert _outcome(report, "status") == ("invalid", "status.suspended")
    ok("reinstate", suspended["id"], "--reason", "investigation_cleared")
    assert _verify(tmp_path, suspended)["result"] == "valid"
    assert _verify(tmp_path, revoked)["result"] == "invalid"

    assert "fraudulent" in refused("suspend", suspended["id"], "--reason", "fraudulent")
    assert "urn:uuid:0" in refused("revoke", "urn:uuid:0", "--reason", "other")


def test_the_directory_as_of_any_past_time(home: Path, tmp_path: Path) -> None:
    def listed(at: datetime) -> list[tuple[str, str, int]]:
        document = json.loads(ok("issuer", "list", "--json", "--as-of", format_instant_ms(at)))
        return [(i["id"], i["status"], len(i["scopes"])) for i in document]

    before = datetime.now(UTC) - timedelta(milliseconds=5)
    _accredit("--occupations", "6-31-*", "--levels", "4", "--from", "2020-01-01")
    (credential,) = _issue(tmp_path, _row(1))
    accredited = _logged_at(credential)
    ok("issuer", "suspend", ISSUER, "--reason", "inspection pending")
    assert listed(before) == []
    assert listed(accredited) == [(ISSUER, "active", 1)]
    assert listed(datetime.now(UTC)) == [(ISSUER, "suspended", 1)]
    assert "time zone" in refused("issuer", "list", "--as-of", "2026-01-01T00:00:00")


def _mapping(version: int, effective_from: str, target_level: str) -> dict[str, Any]:
    notes = {"en": "test mapping", "zh-Hans": "测试映射", "zh-Hant": "測試映射"}
    return {
        "id": "urn:skillcert:mapping:test-cn-vq-5-to-hkqf",
        "version": version,
        "source_framework": "CN-VQ-5",
        "target_framework": "HKQF",
        "decided_by": {"id": "urn:skillcert:body:test-panel", "name": notes},
        "effective_from": effective_from,
        "effective_until": None,
        "illustrative": True,
        "notes": notes,
        "rules": [{"source_level": "4", "occupation": None, "target_level": target_level}],
    }


def _recognised_levels(tmp_path: Path, *days: date) -> list[str | None]:
    """HKQF levels of a CN-VQ-5 level-4 electrician on each day, from an exported bundle."""
    bundle = tmp_path / "bundle.jws"
    pinned = ok("bundle", "export", "--out", str(bundle)).rsplit(" ", 1)[-1].strip()
    token = bundle.read_text(encoding="ascii").strip()
    trust = read_trust_bundle(token, pinned_authority(token, pinned))
    levels = []
    for day in days:
        answer = recognize(
            trust.mappings,
            source_framework="CN-VQ-5",
            source_level="4",
            occupation_code="6-31-01-03",
            target_framework="HKQF",
            on=day,
            frameworks=trust.framework,
        )
        levels.append(answer.target_level.code if answer.target_level else None)
    return levels


def test_a_later_mapping_version_leaves_past_answers_alone(home: Path, tmp_path: Path) -> None:
    for version, start, level in ((1, "2024-01-01", "3"), (2, "2025-01-01", "4")):
        path = tmp_path / f"v{version}.json"
        path.write_text(json.dumps(_mapping(version, start, level)), encoding="utf-8")
        if version == 2:
            assert _recognised_levels(tmp_path, date(2024, 6, 1), date(2025, 6, 1)) == ["3", "3"]
        assert f"version {version}" in ok("recognition", "publish", str(path))
    assert _recognised_levels(tmp_path, date(2024, 6, 1), date(2025, 6, 1)) == ["3", "4"]
    assert "version" in refused("recognition", "publish", str(tmp_path / "v2.json"))
