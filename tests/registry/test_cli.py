"""The skillcert CLI end to end: exit codes, --json documents, errors naming file:row:field."""

from __future__ import annotations

import json
import os
import pty
import re
import sqlite3
import stat
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from typer.testing import CliRunner

from registry.cli import app
from schemas.frameworks import builtin_framework, builtin_framework_ids
from schemas.jwk import split_kid
from schemas.key_lifecycle import KeyRecord
from schemas.note import VerifierKey
from schemas.signed_json import AuthorityKey
from schemas.trust_bundle import build_trust_bundle
from tests.conftest import CORPUS_ISSUER_NAME, NATIONAL_ID, VECTORS, accredited_everywhere

SKILLCERT = str(Path(sys.executable).with_name("skillcert"))
CORPUS = json.loads((VECTORS / "attacks" / "corpus.json").read_text(encoding="utf-8"))
ISSUER = "urn:skillcert:issuer:cli-test"


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SKILLCERT_HOME", str(tmp_path / "var"))
    monkeypatch.chdir(tmp_path)
    return tmp_path / "var"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [SKILLCERT, *args], capture_output=True, text=True, env=os.environ.copy(), check=False
    )


def invoke(*args: str) -> Any:
    return CliRunner().invoke(app, list(args))


def _add_issuer() -> None:
    """Register the test issuer and accredit it for electricians at every level."""
    assert run("issuer", "add", "--id", ISSUER, "--name", "测试中心").returncode == 0
    scoped = run(
        "issuer",
        "scope",
        ISSUER,
        "--occupations",
        "6-31-*",
        "--levels",
        "5,4,3,2,1",
        "--from",
        "2020-01-01",
    )
    assert scoped.returncode == 0, scoped.stderr


def _pass_list(path: Path, *rows: str) -> Path:
    header = "name,national_id,occupation_code,level,certificate_number,issued_on\n"
    path.write_text(header + "".join(rows), encoding="utf-8")
    return path


GOOD = f"陈示范,{NATIONAL_ID},6-31-01-03,4,Y100044440101244000001,2024-06-18\n"


def test_init_is_idempotent_and_key_is_private(home: Path) -> None:
    first = run("init")
    assert first.returncode == 0, first.stderr
    key = home / "keys" / "authority.pem"
    before = key.read_bytes()
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    second = run("init")
    assert second.returncode == 0 and "already present" in second.stdout
    assert key.read_bytes() == before


@pytest.mark.parametrize("damage", [b"not a key", b""], ids=["junk", "empty"])
def test_init_refuses_a_key_that_does_not_read(home: Path, damage: bytes) -> None:
    assert run("init").returncode == 0
    key = home / "keys" / "log.pem"
    key.write_bytes(damage)
    again = run("init")
    assert again.returncode == 2
    assert f"{key}: not an unencrypted PEM private key" in again.stderr


def test_issue_then_verify(home: Path, tmp_path: Path) -> None:
    _add_issuer()
    listed = run("issuer", "list", "--json")
    issuers = json.loads(listed.stdout)
    assert [(i["id"], i["name"], i["status"]) for i in issuers] == [(ISSUER, "测试中心", "active")]
    out = tmp_path / "signed.jsonl"
    issued = run(
        "issue", str(_pass_list(tmp_path / "p.csv", GOOD)), "--issuer", ISSUER, "--out", str(out)
    )
    assert issued.returncode == 0, issued.stderr
    assert issued.stderr.strip() == f"signed 1 credential(s) into {out}"
    verified = run("verify", str(out), "--line", "1", "--json")
    assert verified.returncode == 0, verified.stdout
    report = json.loads(verified.stdout)
    assert report["result"] == "valid"
    assert report["credential_id"] == json.loads(out.read_text())["id"]
    first_id = json.loads(out.read_text())["id"]
    directory = tmp_path / "signed"
    again = ("issue", str(tmp_path / "p.csv"), "--issuer", ISSUER, "--out", str(directory))
    refused = run(*again)
    assert refused.returncode == 2
    assert (
        f"p.csv:2:certificate_number: already issued as {first_id} (log entry 3); --resume "
        "writes that credential out instead of signing the row again" in refused.stderr
    )
    assert not any(directory.iterdir())
    resumed = run(*again, "--resume")
    assert resumed.returncode == 0, resumed.stderr
    assert resumed.stderr.strip() == (
        f"signed 0 credential(s) into {directory}, 1 logged before written out"
    )
    (jwt_file,) = directory.glob("*.jwt")
    assert jwt_file.stem == first_id.removeprefix("urn:uuid:")
    proof = jwt_file.with_name(jwt_file.stem + ".proof.json")
    assert sorted(directory.iterdir()) == sorted([jwt_file, proof])
    assert run("verify", str(jwt_file)).returncode == 0
    assert run("verify", jwt_file.read_text(), "--proof", str(proof)).returncode == 0
    unproven = run("verify", jwt_file.read_text(), "--json")
    assert (unproven.returncode, json.loads(unproven.stdout)["result"]) == (1, "cannot_tell")
    assert run("verify", str(jwt_file), "--at", "2024-06-17").returncode == 1
    # After the issuer's registration, key and scope (0-2), the credential is entry 3.
    assert json.loads(proof.read_text())["index"] == 3
    assert run("log", "audit").returncode == 0


def test_bad_rows_exit_2_naming_file_row_field(home: Path, tmp_path: Path) -> None:
    _add_issuer()
    bad = GOOD.replace("6-31-01-03", "6-31-01-99")
    csv_path = _pass_list(tmp_path / "p.csv", GOOD, bad)
    out = tmp_path / "out"
    result = run("issue", str(csv_path), "--issuer", ISSUER, "--out", str(out))
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    reason = "6-31-01-99 is not in the CN-OC-2022 occupational classification"
    assert lines[0] == f"{csv_path}:3:occupation_code: {reason}"
    assert "nothing was signed" in lines[-1]
    assert not out.exists() or not any(out.iterdir())
    skipped = run("issue", str(csv_path), "--issuer", ISSUER, "--out", str(out), "--skip-invalid")
    assert skipped.returncode == 0
    assert sorted(p.name.split(".", 1)[1] for p in out.iterdir()) == ["jwt", "proof.json"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["verify", "missing.jwt"], "missing.jwt: No such file or directory"),
        (["issue", "missing.csv", "--issuer", ISSUER, "--out", "o.jsonl"], f"no issuer {ISSUER}"),
        (["issuer", "add", "--id", "not a uri", "--name", "x"], "must be an absolute URI"),
        (["verify", "a.b.c", "--at", "yesterday"], "--at 'yesterday'"),
        (["verify", "a.b.c", "--bundle", "missing.jws"], "missing.jws: No such file"),
    ],
)
def test_bad_input_exits_2(home: Path, args: list[str], message: str) -> None:
    result = invoke(*args)
    assert result.exit_code == 2, result.output
    assert message in result.output


def test_json_output_is_one_document(home: Path) -> None:
    result = run("verify", "a.b.c", "--json")
    assert result.returncode == 1
    assert json.loads(result.stdout)["result"] == "invalid"


def _corpus_bundle(path: Path) -> str:
    """A bundle accrediting the corpus's issuers, signed by a fresh authority; its thumbprint."""
    key = Ed25519PrivateKey.generate()
    since = datetime(2000, 1, 1, tzinfo=UTC)
    issuers = [
        accredited_everywhere(
            split_kid(jwk["kid"])[0],
            KeyRecord(jwk["kid"], {n: jwk[n] for n in ("kty", "crv", "x")}, since),
            CORPUS_ISSUER_NAME,
        )
        for jwk in CORPUS["jwks"]["keys"]
    ]
    bundle = build_trust_bundle(
        key=key,
        issued_at=datetime.fromisoformat(CORPUS["now"]),
        log_key=VerifierKey.from_public_key("corpus.test/log", key.public_key()),
        checkpoint=None,
        issuers=issuers,
        frameworks=[builtin_framework(f) for f in builtin_framework_ids()],
        mappings=[],
        status_lists=[],
    )
    path.write_text(bundle)
    return AuthorityKey.from_public_key(key.public_key()).kid


@pytest.mark.parametrize("case", CORPUS["cases"], ids=[c["name"] for c in CORPUS["cases"]])
def test_cli_rejects_the_attack_corpus(home: Path, tmp_path: Path, case: dict[str, Any]) -> None:
    bundle = tmp_path / "bundle.jws"
    authority = _corpus_bundle(bundle)
    token = tmp_path / "token.jwt"
    token.write_text(case["token"])
    result = invoke(
        "verify",
        str(token),
        "--bundle",
        str(bundle),
        "--authority",
        authority,
        "--at",
        CORPUS["now"],
        "--json",
    )
    report = json.loads(result.stdout)
    if case["code"] is None:
        # Genuine, but without status entries or log evidence: the CLI cannot say it is valid.
        assert (result.exit_code, report["result"]) == (1, "cannot_tell")
        assert [c["code"] for c in report["checks"] if c["ok"] is not True] == [
            "status.no_entry",
            "checkpoint_signature.not_checked",
            "log_inclusion.no_evidence",
        ]
    else:
        assert (result.exit_code, report["result"]) == (1, "invalid")
        assert [c["code"] for c in report["checks"] if c["ok"] is False] == [case["code"]]


def test_a_tampered_or_foreign_bundle_is_refused(home: Path, tmp_path: Path) -> None:
    bundle = tmp_path / "bundle.jws"
    authority = _corpus_bundle(bundle)
    token = tmp_path / "token.jwt"
    token.write_text(CORPUS["cases"][0]["token"])
    header, payload, signature = bundle.read_text().split(".")
    flipped = payload[:40] + ("A" if payload[40] != "A" else "B") + payload[41:]
    bundle.write_text(f"{header}.{flipped}.{signature}")
    tampered = invoke("verify", str(token), "--bundle", str(bundle), "--authority", authority)
    assert tampered.exit_code == 2
    other = _corpus_bundle(tmp_path / "other.jws")
    foreign = invoke(
        "verify", str(token), "--bundle", str(tmp_path / "other.jws"), "--authority", authority
    )
    assert foreign.exit_code == 2 and f"not the pinned {authority}" in foreign.output
    assert other != authority


def test_demo_produces_verifiable_certificates(home: Path) -> None:
    result = run("demo")
    assert result.returncode == 0, result.stderr
    files = sorted((home / "demo").glob("credentials-*.jsonl"))
    assert len(files) == 2
    outcomes = []
    failures = {}
    for path in files:
        for number in range(1, len(path.read_text().splitlines()) + 1):
            report = json.loads(invoke("verify", str(path), "--line", str(number), "--json").stdout)
            outcomes.append(report["result"])
            failed = [check["code"] for check in report["checks"] if check["ok"] is not True]
            if failed:
                failures[report["credential_id"]] = failed
    assert outcomes.count("valid") == 4 and outcomes.count("invalid") == 2
    revoked = re.search(r"revoked demo certificate: \S+/v/(\S+)", result.stdout)
    assert revoked, result.stdout
    assert failures.pop(f"urn:uuid:{revoked.group(1)}") == ["status.revoked"]
    assert list(failures.values()) == [["validity_period.expired"]]
    assert re.search(r"demo verify page: http://127\.0\.0\.1:8000/v/[0-9a-f-]{36}\n", result.stdout)
    again = run("demo")
    assert again.returncode == 0 and "already present" in again.stdout


def test_progress_bar_only_on_a_terminal(home: Path, tmp_path: Path) -> None:
    _add_issuer()
    rows = [GOOD.replace("000001", f"{n:06d}") for n in range(1, 2001)]
    csv_path = _pass_list(tmp_path / "p.csv", *rows)
    primary, replica = pty.openpty()
    with subprocess.Popen(
        [SKILLCERT, "issue", str(csv_path), "--issuer", ISSUER, "--out", str(tmp_path / "o.jsonl")],
        stdout=subprocess.DEVNULL,
        stderr=replica,
        env=os.environ.copy(),
    ) as process:
        os.close(replica)
        output = b""
        while True:
            try:
                chunk = os.read(primary, 4096)
            except OSError:
                break
            if not chunk:
                break
            output += chunk
        assert process.wait() == 0
    os.close(primary)
    text = output.decode("utf-8", "replace")
    assert "signing" in text or "checking rows" in text
    assert "signed 2000 credential(s)" in text


def _log_size() -> int:
    checkpoint = run("log", "checkpoint")
    assert checkpoint.returncode == 0, checkpoint.stderr
    return int(checkpoint.stdout.splitlines()[1])


def test_an_output_that_cannot_be_published_is_refused_before_anything_is_logged(
    home: Path, tmp_path: Path
) -> None:
    _add_issuer()
    pass_list = str(_pass_list(tmp_path / "p.csv", GOOD))
    out = tmp_path / "signed.jsonl"
    assert run("issue", pass_list, "--issuer", ISSUER, "--out", str(out)).returncode == 0
    published = out.read_text()
    size = _log_size()
    again = run("issue", pass_list, "--issuer", ISSUER, "--out", str(out))
    assert again.returncode == 2
    assert f"{out}: exists; its credentials are issued already" in again.stderr
    (tmp_path / "dir.jsonl").mkdir()
    into_dir = run("issue", pass_list, "--issuer", ISSUER, "--out", str(tmp_path / "dir.jsonl"))
    assert into_dir.returncode == 2 and "is a directory" in into_dir.stderr
    assert (_log_size(), out.read_text()) == (size, published)
    assert list((tmp_path / "dir.jsonl").iterdir()) == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--framework", "CN-VQ-99"], "no level framework 'CN-VQ-99'"),
        (["--issuer", "urn:skillcert:issuer:nobody"], "urn:skillcert:issuer:nobody"),
    ],
)
def test_a_refused_issue_leaves_nothing_where_its_output_was_to_go(
    home: Path, tmp_path: Path, args: list[str], message: str
) -> None:
    _add_issuer()
    (tmp_path / "work").mkdir()
    pass_list = str(_pass_list(tmp_path / "work" / "p.csv", GOOD))
    options = {"--issuer": ISSUER, **dict(zip(args[::2], args[1::2], strict=True))}
    flags = [part for pair in options.items() for part in pair]
    refused = run("issue", pass_list, *flags, "--out", str(tmp_path / "work" / "o.jsonl"))
    assert refused.returncode == 2 and message in refused.stderr
    assert [path.name for path in (tmp_path / "work").iterdir()] == ["p.csv"]
    missing = run("issue", str(tmp_path / "nope.csv"), "--issuer", ISSUER, "--out", "outdir")
    assert missing.returncode == 2 and "nope.csv" in missing.stderr
    assert not (tmp_path / "outdir").exists()


def test_bad_options_and_a_damaged_database_are_clear_errors(home: Path, tmp_path: Path) -> None:
    _add_issuer()
    out = tmp_path / "signed.jsonl"
    pass_list = str(_pass_list(tmp_path / "p.csv", GOOD))
    assert run("issue", pass_list, "--issuer", ISSUER, "--out", str(out)).returncode == 0
    for max_age in ("nan", "1e300", "-1"):
        verified = run("verify", str(out), "--line", "1", "--max-age", max_age)
        assert verified.returncode == 2, verified.stderr
        assert "--max-age must be a number of hours" in verified.stderr
    table = tmp_path / "occupations.csv"
    table.write_bytes(b"\xff\xfecode,name_zh,name_en\n")
    unreadable = run(
        "issue", pass_list, "--issuer", ISSUER, "--out", "o2.jsonl", "--occupations", str(table)
    )
    assert unreadable.returncode == 2 and f"{table}: not UTF-8 text" in unreadable.stderr
    (home / "registry.db").write_bytes(b"not a database")
    damaged = run("issuer", "list")
    assert damaged.returncode == 2
    assert "the registry database cannot be read" in damaged.stderr


def _head_size(database: Path) -> int:
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=5) as connection:
        return int(connection.execute("SELECT size FROM log_head").fetchone()[0])


def _kill_while_logging(command: list[str], database: Path, logged_from: int, out: Path) -> bool:
    """Start ``command`` and SIGKILL it once its first chunk is in the log and before it has
    published ``out``; whether it was caught in between."""
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while process.poll() is None:
            if _head_size(database) > logged_from:
                process.kill()
                process.wait()
                return not out.exists()
            time.sleep(0.002)
        return False
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_issue_killed_while_logging_is_resumed_without_issuing_twice(
    home: Path, tmp_path: Path
) -> None:
    """SIGKILL between two of the batch's logging transactions: the first chunks are logged and
    nothing is published. The same command is then refused row by row, and with ``--resume``
    publishes every row, each certificate number logged once, and the audit is clean."""
    _add_issuer()
    rows = [
        f"陈示范,{NATIONAL_ID},6-31-01-03,4,Y10004444010124{serial:07d},2024-06-18\n"
        for serial in range(4_500)
    ]
    pass_list = _pass_list(tmp_path / "p.csv", *rows)
    out = tmp_path / "signed.jsonl"
    command = [SKILLCERT, "issue", str(pass_list), "--issuer", ISSUER, "--out", str(out)]
    database = home / "registry.db"
    before = _head_size(database)
    assert any(_kill_while_logging(command, database, before, out) for _ in range(3))
    logged = _head_size(database) - before
    assert 0 < logged < len(rows) and not out.exists()

    refused = run(*command[1:])
    assert refused.returncode == 2
    errors = [line for line in refused.stderr.splitlines() if ":certificate_number: " in line]
    assert len(errors) == logged and "already issued as urn:uuid:" in errors[0]
    assert _head_size(database) == before + logged

    resumed = run(*command[1:], "--resume")
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert f"{logged} logged before written out" in resumed.stderr
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert sorted(line["row"] for line in lines) == list(range(2, len(rows) + 2))
    assert _head_size(database) == before + len(rows)
    with sqlite3.connect(database) as connection:
        numbers = connection.execute(
            "SELECT COUNT(*), COUNT(DISTINCT certificate_number) FROM credentials"
        ).fetchone()
    assert numbers == (len(rows), len(rows))
    assert run("verify", str(out), "--line", "1").returncode == 0
    assert run("verify", str(out), "--line", str(len(rows))).returncode == 0
    audit = run("log", "audit")
    assert audit.returncode == 0, audit.stdout + audit.stderr
