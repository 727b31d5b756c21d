"""``skillcert issuer …``, ``revoke|suspend|reinstate``, ``recognition publish`` and ``bundle
export``: the authority's commands. Each change is signed with the authority key and logged;
a refused change exits 2 naming why, and logs nothing."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, time
from pathlib import Path
from typing import Annotated

import typer

from registry.authority import Registry, initialise_home, open_registry
from registry.bundle import export_bundle
from registry.cli_support import bad_input_exits, fail, print_json
from registry.governance import utc_now
from registry.settings import Settings, load_settings
from registry.status import set_credential_status
from schemas.credential import BEIJING, parse_calendar_date
from schemas.frameworks import DEFAULT_FRAMEWORK
from schemas.governance import MAPPING_PUBLISHED, SCOPE_GRANTED
from schemas.recognition import parse_mapping
from schemas.scope import make_scope
from schemas.strict_json import parse_strict_json

__all__ = [
    "bundle_app",
    "issuer_app",
    "parse_time",
    "recognition_app",
    "register_status_commands",
    "registry",
]

issuer_app = typer.Typer(no_args_is_help=True, help="Issuing bodies, their scopes and keys.")
bundle_app = typer.Typer(no_args_is_help=True, help="Trust bundles for offline verification.")
recognition_app = typer.Typer(no_args_is_help=True, help="Recognition mappings.")
_MAX_MAPPING_BYTES = 1 << 20


@contextmanager
def registry(settings: Settings | None = None) -> Iterator[Registry]:
    """The registry under ``settings`` (default: the environment's), its home made first, and
    closed however the block ends."""
    settings = settings or load_settings()
    with bad_input_exits():
        initialise_home(settings)
        opened = open_registry(settings)
        try:
            yield opened
        finally:
            opened.close()


def _day(text: str | None, option: str) -> date | None:
    if text is None:
        return None
    with bad_input_exits():
        try:
            return parse_calendar_date(text)
        except ValueError as exc:
            fail(f"{option}: {exc}")


def parse_time(text: str | None, option: str) -> datetime:
    """``YYYY-MM-DD`` (the start of that Beijing day) or an RFC 3339 time with a zone."""
    if text is None:
        return utc_now()
    if len(text) == 10:
        with bad_input_exits():
            return datetime.combine(parse_calendar_date(text), time.min, BEIJING)
    try:
        at = datetime.fromisoformat(text)
    except ValueError:
        fail(f"{option} {text!r} is neither YYYY-MM-DD nor an RFC 3339 date-time")
    if at.tzinfo is None:
        fail(f"{option} {text!r} needs a time zone (e.g. Z or +08:00)")
    return at


@issuer_app.command("add")
def issuer_add(
    issuer_id: Annotated[
        str, typer.Option("--id", help="Absolute URI, e.g. urn:skillcert:issuer:x")
    ],
    name: Annotated[str, typer.Option("--name", help="The body's registered name")],
) -> None:
    """Register an issuing body and create its first signing key."""
    with registry() as opened, bad_input_exits():
        record = opened.issuers.add(issuer_id, name, utc_now())
    typer.echo(f"issuer {record.id} added with key {record.keys[0].kid}")


@issuer_app.command("scope")
def issuer_scope(
    issuer_id: Annotated[str, typer.Argument(metavar="ISSUER_ID")],
    occupations: Annotated[str, typer.Option(help="CODE[,CODE…]; 6-31-* for a whole group")],
    levels: Annotated[str, typer.Option(help="L[,L…] level codes of the framework")],
    framework: Annotated[str, typer.Option(help="Level framework")] = DEFAULT_FRAMEWORK,
    valid_from: Annotated[str | None, typer.Option("--from", help="First day, YYYY-MM-DD")] = None,
    valid_until: Annotated[
        str | None, typer.Option("--until", help="Last day (inclusive), YYYY-MM-DD")
    ] = None,
) -> None:
    """Accredit an issuing body for occupations × levels × a period."""
    first = _day(valid_from, "--from") or datetime.now(BEIJING).date()
    with registry() as opened, bad_input_exits():
        scope = make_scope(
            occupations=[code.strip() for code in occupations.split(",")],
            framework=framework,
            levels=[level.strip() for level in levels.split(",")],
            valid_from=first,
            valid_until=_day(valid_until, "--until"),
        )
        opened.governance.record(SCOPE_GRANTED, {"issuer": issuer_id, "scope": scope.to_json()})
    typer.echo(f"{issuer_id}: accredited for {occupations} at {levels} {scope.period}")


@issuer_app.command("list")
def issuer_list(
    as_json: Annotated[bool, typer.Option("--json")] = False,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="The directory as it stood then")
    ] = None,
) -> None:
    """List issuing bodies (now, or as of a past date or time)."""
    when = parse_time(as_of, "--as-of") if as_of else None
    with registry() as opened, bad_input_exits():
        issuers = list(opened.governance.directory(when).issuers.values())
    if as_json:
        print_json([record.to_json() for record in issuers])
        return
    for record in issuers:
        typer.echo(
            f"{record.id}\t{record.status}\t{record.name}\t{len(record.scopes)} scope(s)\t"
            f"{len(record.keys)} key(s)"
        )


def _status_command(status: str, help_text: str) -> None:
    def command(
        issuer_id: Annotated[str, typer.Argument(metavar="ISSUER_ID")],
        reason: Annotated[str, typer.Option(help="Why, in words; logged publicly")],
    ) -> None:
        with registry() as opened, bad_input_exits():
            opened.issuers.set_status(issuer_id, status, reason, utc_now())
        typer.echo(f"{issuer_id}: {status}")

    command.__doc__ = help_text
    name = {"suspended": "suspend", "withdrawn": "withdraw", "active": "reinstate"}[status]
    issuer_app.command(name)(command)


_status_command("suspended", "Suspend an issuing body; it cannot issue until reinstated.")
_status_command("withdrawn", "Withdraw an issuing body's accreditation, for good.")
_status_command("active", "Lift a suspension.")


@issuer_app.command("rotate-key")
def issuer_rotate_key(issuer_id: Annotated[str, typer.Argument(metavar="ISSUER_ID")]) -> None:
    """Retire the key in use and start signing with a new one."""
    with registry() as opened, bad_input_exits():
        kid = opened.issuers.rotate_key(issuer_id, utc_now())
    typer.echo(f"{issuer_id}: now signing with {kid}")


@issuer_app.command("compromise")
def issuer_compromise(
    issuer_id: Annotated[str, typer.Argument(metavar="ISSUER_ID")],
    kid: Annotated[str, typer.Option(help="The compromised key's kid")],
    at: Annotated[
        str | None, typer.Option(help="When it was compromised (default now); may be earlier")
    ] = None,
) -> None:
    """Report a key compromised: credentials logged from that time on no longer verify."""
    when = parse_time(at, "--at")
    with registry() as opened, bad_input_exits():
        opened.issuers.compromise(issuer_id, kid, when, utc_now())
    typer.echo(f"{kid}: compromised from {when.isoformat()}")


def register_status_commands(app: typer.Typer) -> None:
    for status, name, help_text in (
        ("revoked", "revoke", "Revoke a credential (final)."),
        ("suspended", "suspend", "Suspend a credential until reinstated."),
        ("active", "reinstate", "Lift a credential's suspension."),
    ):

        def command(
            credential_id: Annotated[str, typer.Argument(metavar="CREDENTIAL_ID")],
            reason: Annotated[str, typer.Option(help="Reason code (see docs/governance.md)")],
            status: str = typer.Option(status, hidden=True),
        ) -> None:
            with registry() as opened, bad_input_exits():
                set_credential_status(opened.governance, credential_id, status, reason)
            typer.echo(f"{credential_id}: {status} ({reason})")

        command.__doc__ = help_text
        app.command(name)(command)


@recognition_app.command("publish")
def recognition_publish(
    path: Annotated[Path, typer.Argument(metavar="MAPPING.json")],
) -> None:
    """Publish a recognition mapping (a new id, or the next version of one) into the log."""
    with registry() as opened, bad_input_exits():
        document = parse_strict_json(path.read_bytes(), limit=_MAX_MAPPING_BYTES, what=str(path))
        mapping = parse_mapping(document, where=str(path))
        opened.governance.record(MAPPING_PUBLISHED, {"mapping": mapping.to_json()})
    typer.echo(f"published {mapping.id} version {mapping.version}")


@bundle_app.command("export")
def bundle_export(out: Annotated[Path, typer.Option(help="File to write")]) -> None:
    """Write the signed trust bundle for offline verification."""
    with registry() as opened, bad_input_exits():
        bundle = export_bundle(opened.governance, opened.status, opened.authority_key, utc_now())
        out.write_text(bundle + "\n", encoding="ascii")
        kid = opened.governance.authority.kid
    typer.echo(f"wrote {out}; verifiers pin the authority key {kid}")
