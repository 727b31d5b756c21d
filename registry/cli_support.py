"""What every ``skillcert`` command shares: exit codes, stderr lines, JSON output, and turning
domain errors into one line and exit code 2 (DESIGN §6)."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, NoReturn

import typer
from rich.console import Console
from sqlalchemy.exc import DatabaseError

from issuer.errors import IssuerError
from registry.errors import RegistryError
from schemas.errors import SchemaError
from verifier import TrustMaterialError

__all__ = ["EXIT_BAD_INPUT", "EXIT_INVALID", "bad_input_exits", "err", "fail", "print_json", "say"]

EXIT_INVALID = 1
EXIT_BAD_INPUT = 2
err = Console(stderr=True, highlight=False)


def say(message: str) -> None:
    """One line to stderr, unwrapped: other programs parse ``file:row:field: reason``."""
    sys.stderr.write(message + "\n")


def fail(message: str) -> NoReturn:
    say(f"skillcert: error: {message}")
    raise typer.Exit(EXIT_BAD_INPUT)


@contextmanager
def bad_input_exits() -> Iterator[None]:
    """Every domain error from bad input becomes one stderr line and exit code 2."""
    try:
        yield
    except (IssuerError, RegistryError, SchemaError, TrustMaterialError) as exc:
        fail(str(exc))
    except OSError as exc:
        fail(f"{exc.filename or ''}: {exc.strerror}")
    except DatabaseError as exc:
        fail(f"the registry database cannot be read: {exc.orig or exc}")


def print_json(document: Any) -> None:
    sys.stdout.write(json.dumps(document, ensure_ascii=False, indent=2) + "\n")
