"""The skillcert CLI end to end: exit codes, --json documents, errors naming file:row:field."""

from __future__ import annotations

import json
import os
import pty
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from registry.cli import app
from tests.conftest import NATIONAL_ID, VECTORS

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


def test_issue_then_verify(home: Path, tmp_path: Path) -> None:
    assert run("issuer", "add", "--id", ISSUER, "--name", "测试中心").returncode == 0
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
    directory = tmp_path / "signed"
    assert (
        run(
            "issue", str(tmp_path / "p.csv"), "--issuer", ISSUER, "--out", str(directory)
        ).returncode
        == 0
    )
    (jwt_file,) = directory.glob("*.jwt")
    proof = jwt_file.with_name(jwt_file.stem + ".proof.json")
    assert sorted(directory.iterdir()) == sorted([jwt_file, proof])
    assert run("verify", str(jwt_file)).returncode == 0
    assert run("verify", jwt_file.read_text(), "--proof", str(proof)).returncode == 0
    unproven = run("verify", jwt_file.read_text(), "--json")
    assert (unproven.returncode, json.loads(unproven.stdout)["result"]) == (1, "cannot_tell")
    assert run("verify", str(jwt_file), "--at", "2024-06-17").returncode == 1
    assert json.loads(proof.read_text())["index"] == 1
    assert run("log", "audit").returncode == 0


def test_bad_rows_exit_2_naming_file_row_field(home: Path, tmp_path: Path) -> None:
    assert run("issuer", "add", "--id", ISSUER, "--name", "测试中心").returncode == 0
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
        (["verify", "a.b.c", "--keys", "missing.jwks"], "missing.jwks: No such file"),
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


@pytest.mark.parametrize("case", CORPUS["cases"], ids=[c["name"] for c in CORPUS["cases"]])
def test_cli_rejects_the_attack_corpus(home: Path, tmp_path: Path, case: dict[str, Any]) -> None:
    keys = tmp_path / "corpus.jwks"
    keys.write_text(json.dumps(CORPUS["jwks"]))
    token = tmp_path / "token.jwt"
    token.write_text(case["token"])
    result = invoke("verify", str(token), "--keys", str(keys), "--at", CORPUS["now"], "--json")
    report = json.loads(result.stdout)
    if case["code"] is None:
        # Genuine, but no log evidence comes with it: the CLI cannot say it is valid.
        assert (result.exit_code, report["result"]) == (1, "cannot_tell")
        assert [c["code"] for c in report["checks"] if c["ok"] is not True] == [
            "logged.not_checked"
        ]
    else:
        assert (result.exit_code, report["result"]) == (1, "invalid")
        assert [c["code"] for c in report["checks"] if c["ok"] is False] == [case["code"]]


def test_demo_produces_verifiable_certificates(home: Path) -> None:
    result = run("demo")
    assert result.returncode == 0, result.stderr
    files = sorted((home / "demo").glob("credentials-*.jsonl"))
    assert len(files) == 2
    outcomes = []
    for path in files:
        for number in range(1, len(path.read_text().splitlines()) + 1):
            report = json.loads(invoke("verify", str(path), "--line", str(number), "--json").stdout)
            outcomes.append(report["result"])
    assert outcomes.count("valid") == 4 and outcomes.count("invalid") == 1
    again = run("demo")
    assert again.returncode == 0 and "already present" in again.stdout


def test_progress_bar_only_on_a_terminal(home: Path, tmp_path: Path) -> None:
    assert run("issuer", "add", "--id", ISSUER, "--name", "测试中心").returncode == 0
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


@pytest.mark.parametrize("content", ['{"issuers": [{"id": "x"}]}', "{not json", '{"a":1,"a":2}'])
def test_damaged_issuer_directory_is_a_clear_error(home: Path, content: str) -> None:
    home.mkdir(parents=True)
    (home / "issuers.json").write_text(content)
    result = invoke("issuer", "list")
    assert result.exit_code == 2
    assert "issuers.json" in result.output
