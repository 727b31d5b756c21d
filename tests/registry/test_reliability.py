"""The log under crashes and concurrent writers, with real processes and real databases.

A writer process (tests/registry/log_writer.py) prints a line after each append returns; a
printed line is an acknowledged batch. Killing it with SIGKILL at random points, then reopening
the database, must find every acknowledged entry, one unforked history and a clean audit.
"""

from __future__ import annotations

import itertools
import json
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Engine

from issuer.keys import write_private_key
from registry.audit import audit_log
from registry.log import TransparencyLog
from registry.store import SqlLogStore
from schemas.merkle import verify_consistency, verify_inclusion
from tests.registry.conftest import ORIGIN

ROOT = Path(__file__).resolve().parents[2]
Ack = tuple[int, int, int]


@pytest.fixture
def key_file(tmp_path: Path, log_key: Ed25519PrivateKey) -> Path:
    path = tmp_path / "log.pem"
    write_private_key(path, log_key)
    return path


def _writer(
    url: str, key_file: Path, writer: int, *, batches: int = 0, seed: int = 0
) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.registry.log_writer",
            url,
            str(key_file),
            ORIGIN,
            str(writer),
            "--batches",
            str(batches),
            "--seed",
            str(seed),
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _acks(lines: str) -> list[Ack]:
    """Complete ``ack`` lines only: a line cut by the kill was never acknowledged."""
    acks = []
    for line in lines.splitlines(keepends=True):
        if line.endswith("\n"):
            _, first, count, first_n = line.split()
            acks.append((int(first), int(count), int(first_n)))
    return acks


def _check_acknowledged(store: SqlLogStore, acks: list[Ack], writer: int) -> None:
    head = store.head()
    for first, count, first_n in acks:
        assert first + count <= head.size, f"acknowledged batch at {first} is gone"
        for offset, data in enumerate(store.entries(first, first + count)):
            assert json.loads(data)["body"] == {"writer": writer, "n": first_n + offset}


def _kill_and_check(
    rounds: int, engine: Engine, database_url: str, key_file: Path, log: TransparencyLog
) -> None:
    chooser = random.Random(rounds)  # noqa: S311 (kill timing, not secrets)
    acknowledged: list[Ack] = []
    for round_number in range(rounds):
        process = _writer(database_url, key_file, 0, seed=round_number)
        assert process.stdout is not None
        seen = [process.stdout.readline() for _ in range(chooser.randint(1, 4))]
        time.sleep(chooser.uniform(0, 0.03))
        process.send_signal(signal.SIGKILL)
        rest, errors = process.communicate(timeout=30)
        assert process.returncode == -signal.SIGKILL, errors
        acknowledged += _acks("".join(seen) + rest)
        store = SqlLogStore(engine)
        _check_acknowledged(store, acknowledged, writer=0)
        report = audit_log(store, log.verifier_key, ORIGIN)
        assert report.damage is None, (round_number, report.damage)
    assert len(acknowledged) >= rounds


def test_kill_9_while_appending_loses_no_acknowledged_entry(
    engine: Engine, database_url: str, key_file: Path, log: TransparencyLog
) -> None:
    _kill_and_check(20, engine, database_url, key_file, log)


@pytest.mark.slow
def test_kill_9_two_hundred_times(
    engine: Engine, database_url: str, key_file: Path, log: TransparencyLog
) -> None:
    _kill_and_check(200, engine, database_url, key_file, log)


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_eight_concurrent_writers_make_one_history(
    engine: Engine, database_url: str, key_file: Path, log: TransparencyLog, store: SqlLogStore
) -> None:
    writers = [_writer(database_url, key_file, w, batches=15, seed=w) for w in range(8)]
    acks: dict[int, list[Ack]] = {}
    for number, process in enumerate(writers):
        out, errors = process.communicate(timeout=300)
        assert process.returncode == 0, errors
        acks[number] = _acks(out)
    total = sum(count for batches in acks.values() for _, count, _ in batches)
    head = store.head()
    assert head.size == total
    for number, batches in acks.items():
        assert len(batches) == 15
        _check_acknowledged(store, batches, writer=number)
    report = audit_log(store, log.verifier_key, ORIGIN)
    assert report.damage is None, report.damage
    assert report.entries == total
    checkpoints = list(store.checkpoints())
    assert len(checkpoints) == 8 * 15
    for old, new in itertools.pairwise(checkpoints):
        proof = log.consistency_proof(old.size, new.size)
        verify_consistency(old.size, new.size, old.root_hash, new.root_hash, proof.proof)
    for index in range(total):
        proof = log.inclusion_proof(index)
        verify_inclusion(proof.leaf_hash, index, total, proof.proof, proof.root)
