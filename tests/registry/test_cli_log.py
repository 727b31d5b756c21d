"""``skillcert log …`` on both backends: what it prints verifies, damage exits 1 naming it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from registry.authority import open_log
from registry.cli import app
from registry.log import Draft
from registry.settings import load_settings
from schemas.merkle import MemoryTree, leaf_hash, verify_consistency, verify_inclusion
from schemas.note import parse_vkey, verify_checkpoint
from tests.conftest import NATIONAL_ID

ORIGIN = "cli.skillcert.example/log"


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, database_url: str) -> Path:
    monkeypatch.setenv("SKILLCERT_HOME", str(tmp_path / "var"))
    monkeypatch.setenv("SKILLCERT_DATABASE_URL", database_url)
    monkeypatch.setenv("SKILLCERT_LOG_ORIGIN", ORIGIN)
    assert invoke("init").exit_code == 0
    return tmp_path / "var"


def invoke(*args: str) -> Any:
    return CliRunner().invoke(app, list(args))


def _append(count: int, batches: int = 1) -> None:
    log = open_log(load_settings())
    for batch in range(batches):
        log.append([Draft("test", {"n": batch * count + i}) for i in range(count)])
    log.store.close()


def test_checkpoint_verifies_with_the_printed_vkey(home: Path) -> None:
    _append(5)
    vkey = invoke("log", "vkey")
    note = invoke("log", "checkpoint")
    assert vkey.exit_code == 0 and note.exit_code == 0
    verified = verify_checkpoint(note.stdout, [parse_vkey(vkey.stdout.strip())], origin=ORIGIN)
    assert verified.checkpoint.size == 5


def test_proofs_printed_as_json_verify(home: Path) -> None:
    _append(4, batches=3)
    inclusion = invoke("log", "prove", "--index", "5", "--size", "9", "--json")
    assert inclusion.exit_code == 0, inclusion.stderr
    proof = json.loads(inclusion.stdout)
    assert set(proof) == {"index", "size", "leaf_hash", "proof", "root"}
    verify_inclusion(
        bytes.fromhex(proof["leaf_hash"]),
        proof["index"],
        proof["size"],
        [bytes.fromhex(node) for node in proof["proof"]],
        bytes.fromhex(proof["root"]),
    )
    consistency = json.loads(invoke("log", "prove", "--old", "3", "--new", "12", "--json").stdout)
    assert set(consistency) == {"old", "new", "old_root", "new_root", "proof"}
    log = open_log(load_settings())
    tree = MemoryTree(leaf_hash(entry) for entry in log.store.entries(0, 12))
    log.store.close()
    assert (consistency["old_root"], consistency["new_root"]) == (
        tree.root(3).hex(),
        tree.root(12).hex(),
    )
    verify_consistency(
        3, 12, tree.root(3), tree.root(12), [bytes.fromhex(node) for node in consistency["proof"]]
    )
    latest = json.loads(invoke("log", "prove", "--index", "0", "--json").stdout)
    assert latest["size"] == 12


@pytest.mark.parametrize(
    "args",
    [
        ("log", "prove"),
        ("log", "prove", "--index", "1", "--old", "1", "--new", "2"),
        ("log", "prove", "--old", "1"),
        ("log", "prove", "--index", "99"),
        ("log", "prove", "--old", "3", "--new", "2"),
    ],
)
def test_bad_proof_requests_exit_2_with_a_reason(home: Path, args: tuple[str, ...]) -> None:
    _append(4)
    result = invoke(*args)
    assert result.exit_code == 2
    assert result.stderr.startswith("skillcert: error: ")


def test_audit_is_clean_then_names_the_damage(home: Path, database_url: str) -> None:
    _append(6, batches=2)
    clean = invoke("log", "audit", "--json")
    assert clean.exit_code == 0
    assert json.loads(clean.stdout) == {
        "ok": True,
        "entries": 12,
        "nodes": 10,
        "checkpoints": 2,
        "damage": None,
    }
    log = open_log(load_settings())
    with log.store.engine.begin() as connection:  # type: ignore[attr-defined]
        connection.execute(text("DELETE FROM log_entries WHERE idx = 7"))
    log.store.close()
    damaged = invoke("log", "audit")
    assert damaged.exit_code == 1
    assert "index 7: audit.entry_missing" in damaged.stderr


def test_log_commands_before_init_say_what_to_do(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SKILLCERT_HOME", str(tmp_path / "nothing"))
    result = invoke("log", "checkpoint")
    assert result.exit_code == 2
    assert "skillcert init" in result.stderr


def test_issue_logs_every_credential_and_verify_checks_the_evidence(
    home: Path, tmp_path: Path
) -> None:
    issuer = "urn:skillcert:issuer:log-test"
    assert invoke("issuer", "add", "--id", issuer, "--name", "日志测试中心").exit_code == 0
    scoped = invoke(
        "issuer",
        "scope",
        issuer,
        "--occupations",
        "6-31-*",
        "--levels",
        "4",
        "--from",
        "2020-01-01",
    )
    assert scoped.exit_code == 0, scoped.output
    rows = "".join(
        f"持证人{i},{NATIONAL_ID},6-31-01-03,4,Y1000444401012440000{i:02d},2024-06-18\n"
        for i in range(12)
    )
    pass_list = tmp_path / "p.csv"
    pass_list.write_text(
        "name,national_id,occupation_code,level,certificate_number,issued_on\n" + rows,
        encoding="utf-8",
    )
    out = tmp_path / "signed.jsonl"
    assert invoke("issue", str(pass_list), "--issuer", issuer, "--out", str(out)).exit_code == 0
    lines = out.read_text(encoding="utf-8").splitlines()
    # Entries 0-2 are the issuer's registration, first key and scope.
    assert [json.loads(line)["log"]["index"] for line in lines] == list(range(3, 15))
    for number in (1, 12):
        report = json.loads(invoke("verify", str(out), "--line", str(number), "--json").stdout)
        assert report["result"] == "valid", report
    audit = json.loads(invoke("log", "audit", "--json").stdout)
    assert (audit["ok"], audit["entries"]) == (True, 15)
