"""``skillcert log …``: the log's checkpoint, verifier key, proofs and audit (DESIGN §6)."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from registry.audit import audit_log
from registry.authority import open_log
from registry.cli_support import EXIT_INVALID, bad_input_exits, err, fail, print_json, say
from registry.database import make_engine
from registry.log import TransparencyLog
from registry.settings import load_settings
from registry.witnesses import served_checkpoint

__all__ = ["log_app"]

log_app = typer.Typer(no_args_is_help=True, help="The transparency log.")


def _log() -> TransparencyLog:
    with bad_input_exits():
        return open_log(load_settings())


@log_app.command("checkpoint")
def checkpoint() -> None:
    """Print the latest signed checkpoint note with its witness cosignatures, exactly as
    served."""
    log = _log()
    engine = make_engine(load_settings().database)
    try:
        with bad_input_exits():
            note = served_checkpoint(engine, log)
    finally:
        engine.dispose()
    sys.stdout.write(note)


@log_app.command("vkey")
def vkey() -> None:
    """Print the log's signed-note verifier key (name+hexid+base64)."""
    typer.echo(_log().vkey)


@log_app.command("prove")
def prove(
    index: Annotated[int | None, typer.Option(help="Inclusion proof of this entry")] = None,
    size: Annotated[
        int | None, typer.Option(help="In the tree of this size (default latest)")
    ] = None,
    old: Annotated[int | None, typer.Option(help="Consistency proof from this tree size")] = None,
    new: Annotated[int | None, typer.Option(help="... to this tree size")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Inclusion proof (--index N [--size M]) or consistency proof (--old A --new B)."""
    log = _log()
    with bad_input_exits():
        if index is not None and old is None and new is None:
            document = log.inclusion_proof(index, size).to_json()
        elif index is None and size is None and old is not None and new is not None:
            document = log.consistency_proof(old, new).to_json()
        else:
            fail("give either --index N [--size M] or --old A --new B")
    if as_json:
        print_json(document)
        return
    for name, value in document.items():
        values = value if isinstance(value, list) else [value]
        typer.echo(f"{name}: " + ("\n  ".join(str(v) for v in values) if values else "(empty)"))


@log_app.command("audit")
def audit(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Re-derive every leaf hash, the chain, the tree and every checkpoint; exit 1 naming the
    first bad index and the kind of damage."""
    log = _log()
    show = err.is_terminal and not as_json

    def progress(entries: int) -> None:
        if show:
            err.print(f"audited {entries} entries", end="\r")

    with bad_input_exits():
        report = audit_log(log.store, log.verifier_key, log.origin, progress)
    if as_json:
        print_json(report.to_json())
    elif report.damage is None:
        typer.echo(
            f"log {log.origin}: {report.entries} entries, {report.nodes} nodes and "
            f"{report.checkpoints} checkpoints re-derived; no damage"
        )
    if report.damage is not None:
        damage = report.damage
        say(f"log damaged at index {damage.index}: {damage.kind}: {damage.message}")
        raise typer.Exit(EXIT_INVALID)
