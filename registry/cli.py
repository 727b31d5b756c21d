"""The ``skillcert`` command line (DESIGN §6).

Exit codes: 0 success / valid, 1 verification failed (report printed), 2 bad usage or bad input
(``file:row:field`` named). ``--json`` prints exactly one JSON document on stdout. Progress bars
go to stderr, and only when it is a terminal.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

import typer
import uvicorn
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from issuer.batch import issue_batch
from issuer.errors import RowError
from issuer.keys import read_private_key
from issuer.output import PROOF_SUFFIX, open_sink
from registry.authority import initialise_home
from registry.bundle import export_bundle
from registry.cli_governance import (
    bundle_app,
    issuer_app,
    parse_time,
    recognition_app,
    register_status_commands,
    registry,
)
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
from registry.governance import utc_now
from registry.issuance import LoggedSink, prior_lookup
from registry.settings import Settings, load_settings
from schemas.credential import BEIJING
from schemas.errors import SchemaError
from schemas.frameworks import DEFAULT_FRAMEWORK, builtin_framework
from schemas.log_entry import LogEvidence, parse_log_evidence
from schemas.occupations import DEFAULT_EDITION, builtin_occupation_table, load_occupation_table
from schemas.signed_json import AuthorityKey
from schemas.trust_bundle import TrustBundle, pinned_authority, read_trust_bundle
from verifier import Result, VerificationReport, verify_credential
from verifier.verify import DEFAULT_MAX_AGE

__all__ = ["app", "main"]

app = typer.Typer(
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    help="Verifiable skill certificates.",
)
app.add_typer(issuer_app, name="issuer")
app.add_typer(log_app, name="log")
app.add_typer(bundle_app, name="bundle")
app.add_typer(recognition_app, name="recognition")
register_status_commands(app)


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
    base = settings.public_url.rstrip("/")
    typer.echo(f"demo verify page: {base}/v/{result.valid_id.removeprefix('urn:uuid:')}")
    typer.echo(f"revoked demo certificate: {base}/v/{result.revoked_id.removeprefix('urn:uuid:')}")


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
    resume: Annotated[
        bool,
        typer.Option(
            help="Write out, instead of refusing, rows whose credential is logged already "
            "(a batch signed again after its output was lost)"
        ),
    ] = False,
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
        level_framework = builtin_framework(framework)
        with registry(settings) as opened:
            signer = opened.issuers.signer(issuer_id, utc_now())
            scopes = opened.issuers.get(issuer_id).scopes
            if not csv_path.is_file():
                fail(f"{csv_path}:0:-: no such file")
            # Everything that can refuse the command is asked before the output is opened,
            # so a refusal leaves nothing behind where the output was to go.
            with _ProgressBar(err.is_terminal) as bar:
                sink = LoggedSink(
                    open_sink(out),
                    opened.log,
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
                    framework=level_framework,
                    today=datetime.now(BEIJING).date(),
                    skip_invalid=skip_invalid,
                    on_error=on_error,
                    on_extra_columns=on_extra,
                    on_progress=bar.update,
                    allocate_status=opened.status.allocate,
                    scopes=scopes,
                    on_warning=lambda warning: say(str(warning)),
                    prior=prior_lookup(opened, signer.issuer_id, utc_now()),
                    resume=sink.write_prior if resume else None,
                )
    skipped = f", {summary.invalid} invalid row(s) skipped" if summary.invalid else ""
    resumed = f", {summary.resumed} logged before written out" if summary.resumed else ""
    say(f"signed {summary.signed} credential(s) into {out}{resumed}{skipped}")


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


def _trust(bundle: Path | None, authority: str | None, settings: Settings) -> TrustBundle:
    """``--bundle`` checked against the pinned ``--authority`` key (default: this registry's),
    or, with no ``--bundle``, a bundle made now from the local registry."""
    if bundle is None:
        with registry(settings) as opened:
            token = export_bundle(opened.governance, opened.status, opened.authority_key, utc_now())
    else:
        token = bundle.read_text(encoding="ascii", errors="replace")
    if authority is None:
        if not settings.authority_key_path.exists():
            fail("no --authority key thumbprint to check the bundle with")
        public = read_private_key(settings.authority_key_path).public_key()
        authority = AuthorityKey.from_public_key(public).kid
    return read_trust_bundle(token, pinned_authority(token, authority))


_COMPACT_JWS = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")
_MARK = {True: "ok  ", False: "FAIL", None: "?   "}


_BUNDLE = typer.Option(help="Trust bundle (default: made now from this registry)")
_AUTHORITY = typer.Option(help="Pinned authority key thumbprint (default: this registry's)")
_MAX_AGE = typer.Option(help="Oldest status information accepted, in hours (0 to 1,000,000)")


def _report(
    source: str,
    line: int | None,
    proof: Path | None,
    bundle: Path | None,
    authority: str | None,
    at: str | None,
    max_age: float,
    target: str | None,
) -> VerificationReport:
    if not 0 <= max_age <= 1_000_000:  # NaN is neither
        fail(f"--max-age must be a number of hours from 0 to 1,000,000, not {max_age}")
    settings = _settings()
    token, document = _read_token(source, line)
    if proof is not None:
        document = _read_json(proof)
    evidence = _evidence(document, str(proof or source))
    now = parse_time(at, "--at")
    with bad_input_exits():
        trust = _trust(bundle, authority, settings)
    return verify_credential(
        token, trust, now, evidence, max_age=timedelta(hours=max_age), target=target
    )


def _show(report: VerificationReport, as_json: bool) -> None:
    document = report.to_json()
    if as_json:
        print_json(document)
    else:
        typer.echo(f"result: {document['result']}")
        if document["credential_id"]:
            typer.echo(f"credential: {document['credential_id']}")
        for check in report.checks:
            typer.echo(f"  {_MARK[check.ok]} {check.check:22} {check.code:40} {check.message}")
        trust = report.trust
        if trust is not None and trust.stale:
            say(f"warning: the trust bundle is {trust.age_seconds // 3600} h old")
    if report.result is not Result.VALID:
        raise typer.Exit(EXIT_INVALID)


@app.command()
def verify(
    source: Annotated[str, typer.Argument(metavar="PATH-or-JWS")],
    bundle: Annotated[Path | None, _BUNDLE] = None,
    authority: Annotated[str | None, _AUTHORITY] = None,
    proof: Annotated[
        Path | None, typer.Option(help="Log evidence file (default: the .proof.json beside)")
    ] = None,
    at: Annotated[
        str | None, typer.Option(help="Verify as of this time (RFC 3339 or date)")
    ] = None,
    max_age: Annotated[float, _MAX_AGE] = DEFAULT_MAX_AGE.total_seconds() / 3600,
    line: Annotated[
        int | None, typer.Option(help="Credential on this line of a .jsonl file")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Verify a credential; exit 0 if valid, 1 if not, 2 on bad input."""
    _show(_report(source, line, proof, bundle, authority, at, max_age, None), as_json)


@app.command()
def recognize(
    source: Annotated[str, typer.Argument(metavar="PATH-or-JWS")],
    target: Annotated[str, typer.Option(help="Framework to express the level in, e.g. HKQF")],
    bundle: Annotated[Path | None, _BUNDLE] = None,
    authority: Annotated[str | None, _AUTHORITY] = None,
    proof: Annotated[Path | None, typer.Option(help="Log evidence file")] = None,
    at: Annotated[str | None, typer.Option(help="Date the recognition is asked for")] = None,
    max_age: Annotated[float, _MAX_AGE] = DEFAULT_MAX_AGE.total_seconds() / 3600,
    line: Annotated[int | None, typer.Option(help="Line of a .jsonl file")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Verify a credential and say what its level is worth in another framework."""
    report = _report(source, line, proof, bundle, authority, at, max_age, target)
    if not as_json and report.recognition is not None:
        typer.echo(report.recognition.message["en"])
    _show(report, as_json)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on")] = 8000,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes")] = 1,
) -> None:
    """Run the HTTP service (docs/api.md); each worker builds the app from the environment.
    The home, keys and schema are made here first, once, so workers starting together never
    race to create them."""
    with bad_input_exits():
        initialise_home(_settings())
    uvicorn.run(
        "registry.service.app:create_app", factory=True, host=host, port=port, workers=workers
    )


def main() -> None:
    app()
