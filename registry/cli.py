"""The ``skillcert`` command line (DESIGN §6).

Exit codes: 0 success / valid, 1 verification failed (report printed), 2 bad usage or bad input
(``file:row:field`` named). ``--json`` prints exactly one JSON document on stdout. Progress bars
go to stderr, and only when it is a terminal.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from issuer.batch import issue_batch
from issuer.errors import RowError
from issuer.keys import read_private_key
from issuer.output import PROOF_SUFFIX, open_sink
from registry.authority import initialise_home, open_log
from registry.cli_log import log_app
from registry.cli_support import (
    EXIT_INVALID,
    bad_input_exits,
    err,
    fail,
    print_json,
    say,
)
from registry.demo import load_demo
from registry.directory import LocalDirectory, utc_now
from registry.issuance import LoggedSink
from registry.settings import Settings, load_settings
from schemas.credential import BEIJING, parse_calendar_date
from schemas.errors import SchemaError
from schemas.frameworks import DEFAULT_FRAMEWORK, builtin_framework
from schemas.log_entry import LogEvidence, parse_log_evidence
from schemas.note import VerifierKey, parse_vkey
from schemas.occupations import DEFAULT_EDITION, builtin_occupation_table, load_occupation_table
from verifier import Result, TrustedKeys, parse_jwks, verify_credential

__all__ = ["app", "main"]

app = typer.Typer(
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    help="Verifiable skill certificates.",
)
issuer_app = typer.Typer(no_args_is_help=True, help="Issuing bodies and their keys.")
app.add_typer(issuer_app, name="issuer")
app.add_typer(log_app, name="log")


def _settings() -> Settings:
    return load_settings()


@app.command()
def init() -> None:
    """Create the registry home and the authority key (idempotent)."""
    settings = _settings()
    with bad_input_exits():
        result = initialise_home(settings)
    created = [
        name
        for name, made in (
            ("authority key", result.created_authority_key),
            ("log key", result.created_log_key),
        )
        if made
    ]
    typer.echo(
        f"registry home {settings.home}: "
        + (f"created {' and '.join(created)}; " if created else "keys already present; ")
        + "database schema current"
    )


@app.command()
def demo() -> None:
    """Load demo issuers and signed demo certificates (idempotent)."""
    settings = _settings()
    with bad_input_exits():
        initialise_home(settings)
        result = load_demo(settings, utc_now())
    files = sorted(result.credentials.glob("credentials-*.jsonl"))
    typer.echo("demo certificates " + ("signed" if result.created else "already present") + ":")
    for path in files:
        typer.echo(f"  {path}")
    typer.echo(f"verify one with: skillcert verify {files[0]} --line 1" if files else "")


@issuer_app.command("add")
def issuer_add(
    issuer_id: Annotated[
        str, typer.Option("--id", help="Absolute URI, e.g. urn:skillcert:issuer:x")
    ],
    name: Annotated[str, typer.Option("--name", help="The body's registered name")],
) -> None:
    """Register an issuing body and create its first signing key."""
    settings = _settings()
    with bad_input_exits():
        initialise_home(settings)
        entry = LocalDirectory(settings.home).add(issuer_id, name, utc_now())
    typer.echo(f"issuer {entry.id} added with key {entry.keys[0].kid}")


@issuer_app.command("list")
def issuer_list(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """List issuing bodies."""
    with bad_input_exits():
        entries = LocalDirectory(_settings().home).load()
    if as_json:
        print_json([entry.to_json() for entry in entries.values()])
        return
    for entry in entries.values():
        typer.echo(f"{entry.id}\t{entry.status}\t{entry.name}\t{len(entry.keys)} key(s)")


@issuer_app.command("jwks")
def issuer_jwks() -> None:
    """Print every active issuer key as a JWK Set (for offline verification)."""
    with bad_input_exits():
        print_json(LocalDirectory(_settings().home).jwks())


class _ProgressBar:
    def __init__(self, enabled: bool) -> None:
        self._progress = (
            Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeRemainingColumn(),
                console=err,
                transient=True,
            )
            if enabled
            else None
        )
        self._tasks: dict[str, Any] = {}

    def __enter__(self) -> _ProgressBar:
        if self._progress:
            self._progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._progress:
            self._progress.stop()

    def update(self, phase: str, done: int, total: int | None) -> None:
        if self._progress is None:
            return
        if phase not in self._tasks:
            label = {"check": "checking rows", "sign": "signing", "log": "logging"}[phase]
            self._tasks[phase] = self._progress.add_task(label, total=total)
        self._progress.update(self._tasks[phase], completed=done, total=total)


@app.command()
def issue(
    csv_path: Annotated[Path, typer.Argument(metavar="CSV", help="Pass list (see README)")],
    issuer_id: Annotated[str, typer.Option("--issuer", help="Issuer id")],
    out: Annotated[Path, typer.Option("--out", help="Directory, or a file ending .jsonl")],
    skip_invalid: Annotated[
        bool, typer.Option(help="Sign the valid rows of a file with errors")
    ] = False,
    framework: Annotated[
        str, typer.Option(help="Level framework of the level column")
    ] = DEFAULT_FRAMEWORK,
    occupations: Annotated[
        Path | None, typer.Option(help="Occupation table CSV (code,name_zh,name_en)")
    ] = None,
    edition: Annotated[str, typer.Option(help="Classification edition")] = DEFAULT_EDITION,
) -> None:
    """Sign one credential per row of a pass list; nothing is signed if any row is bad."""
    settings = _settings()
    bad_rows = 0

    def on_error(error: RowError) -> None:
        nonlocal bad_rows
        bad_rows += 1
        say(str(error))

    def on_extra(columns: list[str]) -> None:
        say(f"{csv_path}:1: warning: ignoring column(s) {', '.join(columns)}")

    with bad_input_exits():
        table = (
            load_occupation_table(occupations, edition)
            if occupations
            else builtin_occupation_table(edition)
        )
        signer = LocalDirectory(settings.home).signer(issuer_id)
        log = open_log(settings)
        with _ProgressBar(err.is_terminal) as bar:
            sink = LoggedSink(
                open_sink(out),
                log,
                issuer_id=signer.issuer_id,
                kid=signer.kid,
                spool_dir=out if out.suffix != ".jsonl" else out.parent,
                on_progress=lambda done, total: bar.update("log", done, total),
            )
            summary = issue_batch(
                csv_path,
                signer,
                sink,
                occupations=table,
                framework=builtin_framework(framework),
                today=datetime.now(BEIJING).date(),
                skip_invalid=skip_invalid,
                on_error=on_error,
                on_extra_columns=on_extra,
                on_progress=bar.update,
            )
    skipped = f", {summary.invalid} invalid row(s) skipped" if summary.invalid else ""
    say(f"signed {summary.signed} credential(s) into {out}{skipped}")


def _parse_at(text: str | None) -> datetime:
    if text is None:
        return utc_now()
    if len(text) == 10:
        return datetime.combine(parse_calendar_date(text), time.min, BEIJING)
    try:
        at = datetime.fromisoformat(text)
    except ValueError:
        fail(f"--at {text!r} is neither YYYY-MM-DD nor an RFC 3339 date-time")
    if at.tzinfo is None:
        fail(f"--at {text!r} needs a time zone (e.g. Z or +08:00)")
    return at


def _read_token(source: str, line: int | None) -> tuple[bytes, Any]:
    """The token and its log evidence document (or ``None``). ``source`` is a compact JWS
    itself unless a file of that name exists; a ``.jwt`` file's evidence is the
    ``.proof.json`` beside it, a ``.jsonl`` line's is its ``log`` member."""
    path = Path(source)
    if _COMPACT_JWS.fullmatch(source) and not (len(source) < 256 and path.is_file()):
        return source.encode("ascii"), None
    try:
        data = path.read_bytes()
    except OSError as exc:
        fail(f"{source}: {exc.strerror}")
    if line is None:
        beside = path.with_name(path.name.removesuffix(".jwt") + PROOF_SUFFIX)
        return data, _read_json(beside) if beside.is_file() else None
    lines = data.splitlines()
    if not 1 <= line <= len(lines):
        fail(f"{source}: has {len(lines)} line(s), no line {line}")
    try:
        record = json.loads(lines[line - 1])
        return str(record["jws"]).encode("ascii"), record.get("log")
    except (ValueError, KeyError, TypeError, AttributeError):
        fail(f"{source}:{line}:jws: not a JSON object with a jws member")


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_bytes())
    except OSError as exc:
        fail(f"{path}: {exc.strerror}")
    except ValueError as exc:
        fail(f"{path}: not JSON: {exc}")


def _evidence(document: Any, where: str) -> LogEvidence | None:
    if document is None:
        return None
    try:
        return parse_log_evidence(document)
    except SchemaError as exc:
        fail(f"{where}: log evidence: {exc}")


def _trusted_keys(keys_file: Path | None, log_keys: list[str], settings: Settings) -> TrustedKeys:
    """``--keys`` or the local directory's issuer keys; ``--log-key`` or the local log's key."""
    keys = (
        parse_jwks(keys_file.read_bytes())
        if keys_file is not None
        else LocalDirectory(settings.home).trusted_keys()
    )
    if log_keys:
        return keys.with_log_keys(parse_vkey(text) for text in log_keys)
    if settings.log_key_path.exists():
        public = read_private_key(settings.log_key_path).public_key()
        return keys.with_log_keys([VerifierKey.from_public_key(settings.log_origin, public)])
    return keys


_COMPACT_JWS = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")
_MARK = {True: "ok  ", False: "FAIL", None: "?   "}


@app.command()
def verify(
    source: Annotated[str, typer.Argument(metavar="PATH-or-JWS")],
    keys: Annotated[Path | None, typer.Option(help="JWK Set of trusted issuer keys")] = None,
    log_key: Annotated[
        list[str] | None, typer.Option(help="Trusted log key, signed-note vkey form")
    ] = None,
    proof: Annotated[
        Path | None, typer.Option(help="Log evidence file (default: the .proof.json beside)")
    ] = None,
    at: Annotated[
        str | None, typer.Option(help="Verify as of this time (RFC 3339 or date)")
    ] = None,
    line: Annotated[
        int | None, typer.Option(help="Credential on this line of a .jsonl file")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Verify a credential; exit 0 if valid, 1 if not, 2 on bad input."""
    settings = _settings()
    token, document = _read_token(source, line)
    if proof is not None:
        document = _read_json(proof)
    evidence = _evidence(document, str(proof or source))
    now = _parse_at(at)
    with bad_input_exits():
        trusted = _trusted_keys(keys, log_key or [], settings)
    report = verify_credential(token, trusted, now, evidence)
    document = report.to_json()
    if as_json:
        print_json(document)
    else:
        typer.echo(f"result: {document['result']}")
        if document["credential_id"]:
            typer.echo(f"credential: {document['credential_id']}")
        for check in report.checks:
            typer.echo(f"  {_MARK[check.ok]} {check.check:16} {check.code:32} {check.message}")
    if report.result is not Result.VALID:
        raise typer.Exit(EXIT_INVALID)


def main() -> None:
    app()
