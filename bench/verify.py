"""Offline verification and status lists beside the raw primitive, measured in the same run.

    .venv/bin/python bench/verify.py [--credentials 10000] [--rounds 3] [--slice 500]
        [--status-credentials 1000000] [--alloc-batch 100000] [--revoked 0.01] [--profile]

A quick run: ``--credentials 2000 --rounds 1 --status-credentials 300000`` (about 20 s).

Everything runs on a real registry built in a temporary folder (SQLite, the registry's own
code): an issuer registered with its key and a scope through the log, ``--credentials``
credentials issued as ``skillcert issue`` does (batch signing, a status list index allocated for
each, every credential logged and written with its log evidence), the signed trust bundle
exported as ``skillcert bundle export`` does. Prints:

- verification: raw ``cryptography`` Ed25519 verify/s over the signing inputs of those
  credentials (the reference), and ``verify_credential`` over the same credentials, each with
  its own log evidence (inclusion proof and signed checkpoint, as issued), against the trust
  bundle read once with ``read_trust_bundle`` and the credentials' signed status list
  credentials read once with ``read_status_list``; every report is checked ``valid``. Also
  ``verify_credential`` plus reading the evidence document (``parse_log_evidence``), and
  without evidence. Best of ``--rounds`` rounds, each over every credential, interleaved in
  slices of ``--slice`` credentials. How many times the checkpoint signatures were verified is
  counted (a checkpoint's signature is verified once, however many credentials carry it).
- status lists: ``StatusLists.allocate`` continued until ``--status-credentials`` credentials
  hold an index (in ``--alloc-batch`` calls; the last credential is a real one, issued and
  logged), ``--revoked`` of the first list's entries revoked through the log, the size of one
  signed list credential empty and with those revocations, the time to build and sign one, the
  time for a verifier to read one (verify + decode) and look up a bit, the trust bundle with
  every list. Then the last credential is revoked and the bench asserts that a verifier holding
  the bundle from before sees the revocation after fetching exactly one status list, the one
  its credential points to, and that no other list changed.

``--profile`` prints a cProfile of one pass of the full verification. ``--alloc-batch 1000000``
allocates the million indexes in one call, as a single million-row ``skillcert issue`` would.
"""

from __future__ import annotations

import sys
from pathlib import Path

# The project's root heads the path, not bench/: bench/http.py, named as the load benchmark is,
# would otherwise stand for the standard library's http package.
sys.path[0] = str(Path(__file__).resolve().parent.parent)

import argparse
import contextlib
import cProfile
import json
import pstats
import resource
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import func, select

import verifier.logged
from bench.issue import write_pass_list
from issuer.batch import issue_batch
from issuer.output import JsonlSink
from registry.authority import Registry, initialise_home, open_registry
from registry.bundle import export_bundle
from registry.issuance import LoggedSink
from registry.models import StatusAllocation
from registry.settings import Settings
from registry.status import LIST_SIZE, set_credential_status
from schemas.b64 import b64url_decode
from schemas.credential import BEIJING, read_credential
from schemas.frameworks import builtin_framework
from schemas.governance import SCOPE_GRANTED
from schemas.jwk import parse_ed25519_public_jwk
from schemas.log_entry import LogEvidence, parse_log_evidence
from schemas.occupations import builtin_occupation_table
from schemas.scope import make_scope
from schemas.signed_json import AuthorityKey
from schemas.status_list import REVOCATION, SUSPENSION, StatusEntry
from schemas.trust_bundle import StatusList, TrustBundle, read_status_list, read_trust_bundle
from verifier import verify_credential
from verifier.jws import parse_compact_jws

ISSUER = "urn:skillcert:issuer:bench-appraisal"
PUBLIC_URL = "https://registry.bench.example"
TARGET = 0.50
"""Full offline verification, as a fraction of raw Ed25519 verification."""


def utc_now() -> datetime:
    return datetime.now(UTC)


def rss_mib(field: str = "VmRSS") -> float:
    """This process's resident set (``VmRSS``) or its peak (``VmHWM``), from Linux's
    /proc/self/status; elsewhere the peak since the process started."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def reset_peak_rss() -> None:
    """Start ``VmHWM`` afresh from the current resident set (Linux ``clear_refs`` 5)."""
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


class Issued:
    """Credentials as ``skillcert issue`` writes them: the JWS and its log evidence."""

    def __init__(self, path: Path) -> None:
        lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
        self.ids: list[str] = [line["id"] for line in lines]
        self.tokens: list[bytes] = [line["jws"].encode("ascii") for line in lines]
        self.documents: list[dict[str, Any]] = [line["log"] for line in lines]
        self.evidence: list[LogEvidence] = [parse_log_evidence(doc) for doc in self.documents]


def open_bench_registry(home: Path) -> Registry:
    """A registry with one issuer, accredited for every occupation and level of CN-VQ-5."""
    settings = Settings(home=home, public_url=PUBLIC_URL)
    initialise_home(settings)
    opened = open_registry(settings)
    opened.issuers.add(ISSUER, "基准鉴定中心", utc_now())
    framework = builtin_framework("CN-VQ-5")
    scope = make_scope(
        [f"{major}-*" for major in range(1, 9)],
        framework.id,
        [level.code for level in framework.levels],
        date(2000, 1, 1),
    )
    opened.governance.record(SCOPE_GRANTED, {"issuer": ISSUER, "scope": scope.to_json()})
    return opened


def issue(opened: Registry, folder: Path, rows: int, name: str, first: int = 0) -> Issued:
    """Issue ``rows`` credentials as ``skillcert issue`` does: rows checked against the issuer's
    scopes, status indexes allocated, every credential logged and written with its evidence."""
    pass_list = folder / f"{name}.csv"
    write_pass_list(pass_list, rows, first)
    signer = opened.issuers.signer(ISSUER, utc_now())
    out = folder / f"{name}.jsonl"
    sink = LoggedSink(
        JsonlSink(out), opened.log, issuer_id=ISSUER, kid=signer.kid, spool_dir=folder
    )
    summary = issue_batch(
        pass_list,
        signer,
        sink,
        occupations=builtin_occupation_table(),
        framework=builtin_framework("CN-VQ-5"),
        today=datetime.now(BEIJING).date(),
        allocate_status=opened.status.allocate,
        scopes=opened.issuers.get(ISSUER).scopes,
    )
    assert summary.signed == rows, summary
    return Issued(out)


def authority_of(opened: Registry) -> AuthorityKey:
    return AuthorityKey.from_public_key(opened.authority_key.public_key())


def published_lists(opened: Registry, now: datetime) -> dict[str, str]:
    """Every status list credential the registry publishes now, by URL."""
    directory = opened.governance.directory()
    return {
        opened.status.url(list_no, purpose): opened.status.credential(
            directory, list_no, purpose, opened.authority_key, now
        )
        for list_no in opened.status.lists()
        for purpose in (REVOCATION, SUSPENSION)
    }


def best_time(operation: Callable[[], object], repeat: int) -> float:
    """Best seconds of ``repeat`` runs of ``operation``."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        operation()
        best = min(best, time.perf_counter() - start)
    return best


def raw_inputs(
    issued: Issued, trust: TrustBundle
) -> tuple[Ed25519PublicKey, list[bytes], list[bytes]]:
    """The issuer's public key, and each credential's JWS signing input and signature."""
    (record,) = trust.keys.values()
    public = Ed25519PublicKey.from_public_bytes(parse_ed25519_public_jwk(record.jwk))
    inputs, signatures = [], []
    for token in issued.tokens:
        signing_input, _, signature = token.rpartition(b".")
        inputs.append(signing_input)
        signatures.append(b64url_decode(signature.decode("ascii"), "signature"))
    return public, inputs, signatures


def checkpoint_verifications(run: Callable[[], None]) -> int:
    """How many checkpoint signatures ``run`` verifies (``verifier.logged`` calls
    ``schemas.note.verify_checkpoint`` once for each one it has not verified before)."""
    original = verifier.logged.verify_checkpoint
    calls = 0

    def counting(*args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        return original(*args, **kwargs)

    verifier.logged._verified.cache_clear()
    verifier.logged.verify_checkpoint = counting  # type: ignore[assignment]
    try:
        run()
    finally:
        verifier.logged.verify_checkpoint = original  # type: ignore[assignment]
    return calls


def slices(count: int, size: int) -> Iterator[range]:
    for start in range(0, count, size):
        yield range(start, min(start + size, count))


def bench_verification(
    opened: Registry, issued: Issued, rounds: int, slice_size: int, profile: bool
) -> None:
    count = len(issued.tokens)
    started = time.perf_counter()
    bundle = export(opened)
    exported = time.perf_counter() - started
    authority = authority_of(opened)
    started = time.perf_counter()
    trust = read_trust_bundle(bundle, authority)
    read = time.perf_counter() - started
    print(
        f"trust bundle: {len(bundle):,} bytes, {len(trust.status_lists)} status lists; "
        f"exported in {exported * 1000:.1f} ms, read (verified) in {read * 1000:.1f} ms"
    )

    # The credentials' status list credentials, fetched and read once, as a verifier does.
    served = published_lists(opened, utc_now())
    urls = {
        (entry.status_list_credential, entry.status_purpose)
        for token in issued.tokens
        for entry in status_entries(token)
    }
    lists: dict[tuple[str, str], StatusList] = {}
    for url, purpose in urls:
        fetched = read_status_list(served[url], authority, url)
        # verify_credential trusts the key it is given, so check the list is the one asked for.
        assert (fetched.url, fetched.purpose) == (url, purpose), (fetched.url, url)
        lists[(url, purpose)] = fetched
    now = utc_now()
    tokens, evidence, documents = issued.tokens, issued.evidence, issued.documents
    public, inputs, signatures = raw_inputs(issued, trust)

    def verify_all() -> None:
        for token, proof in zip(tokens, evidence, strict=True):
            report = verify_credential(token, trust, now, proof, status_lists=lists)
            assert report.result == "valid", report.to_json()

    checkpoints = len({proof.checkpoint for proof in evidence})
    verified = checkpoint_verifications(verify_all)
    assert verified == checkpoints, (verified, checkpoints)
    print(
        f"{count:,} credentials, every report valid; {checkpoints} distinct checkpoints in their "
        f"evidence, checkpoint signatures verified {verified} times"
    )

    def raw(part: range) -> None:
        for i in part:
            public.verify(signatures[i], inputs[i])

    def full(part: range) -> None:
        for i in part:
            verify_credential(tokens[i], trust, now, evidence[i], status_lists=lists)

    def full_parse(part: range) -> None:
        for i in part:
            proof = parse_log_evidence(documents[i])
            verify_credential(tokens[i], trust, now, proof, status_lists=lists)

    def no_evidence(part: range) -> None:
        for i in part:
            verify_credential(tokens[i], trust, now, status_lists=lists)

    operations = {
        "raw": raw,
        "full": full,
        "full_parse": full_parse,
        "no_evidence": no_evidence,
    }
    best = dict.fromkeys(operations, 0.0)
    for _ in range(rounds):
        # Every round verifies its checkpoints again.
        verifier.logged._verified.cache_clear()
        spent = dict.fromkeys(operations, 0.0)
        for part in slices(count, slice_size):
            for name, operation in operations.items():
                start = time.perf_counter()
                operation(part)
                spent[name] += time.perf_counter() - start
        for name in operations:
            best[name] = max(best[name], count / spent[name])

    raw_rate = best["raw"]
    ratio = best["full"] / raw_rate
    met = "met" if ratio >= TARGET else "NOT MET"
    rows = [
        ("raw cryptography Ed25519 verify, JWS signing input", "raw", ""),
        (
            "verify_credential: bundle, status lists, log evidence",
            "full",
            f"  target >= {TARGET:.0%}: {met}",
        ),
        ("  the same, reading each evidence document too", "full_parse", ""),
        ("  the same without log evidence (cannot_tell)", "no_evidence", ""),
    ]
    print()
    print(f"Verification of {count:,} distinct credentials, best of {rounds} rounds")
    print(f"{'':<56} {'per s':>8} {'us each':>8} {'of raw':>7}")
    for what, name, note in rows:
        print(
            f"{what:<56} {best[name]:8,.0f} {1e6 / best[name]:8.0f} "
            f"{best[name] / raw_rate:7.0%}{note}"
        )
    if profile:
        profiler = cProfile.Profile()
        verifier.logged._verified.cache_clear()
        profiler.runcall(full, range(count))
        stats = pstats.Stats(profiler)
        stats.sort_stats("tottime").print_stats(25)
        stats.sort_stats("cumulative").print_stats(40)


def count_allocations(opened: Registry) -> int:
    table = StatusAllocation.__table__  # type: ignore[attr-defined]
    with opened.log.store.engine.connect() as connection:  # type: ignore[attr-defined]
        return int(connection.execute(select(func.count()).select_from(table)).scalar() or 0)


def status_entries(token: bytes) -> tuple[StatusEntry, ...]:
    return read_credential(parse_compact_jws(token).payload).claims.status


def revocation_entry(token: bytes) -> StatusEntry:
    (entry,) = (e for e in status_entries(token) if e.status_purpose == REVOCATION)
    return entry


def bench_status_lists(
    opened: Registry,
    folder: Path,
    issued: Issued,
    total: int,
    alloc_batch: int,
    revoked_fraction: float,
) -> None:
    authority = authority_of(opened)
    print()
    print(f"Status lists of {LIST_SIZE:,} entries, {total:,} credentials")

    # Allocation, continued from the credentials already issued up to total - 1; the last
    # credential is a real one, issued and logged, to be revoked at the end.
    have = count_allocations(opened)
    wanted = total - have - 1
    assert wanted > 0, "--status-credentials must exceed --credentials"
    reset_peak_rss()
    rss_before = rss_mib()
    started = time.perf_counter()
    done = 0
    while done < wanted:
        done += len(opened.status.allocate(min(alloc_batch, wanted - done)))
    allocation = time.perf_counter() - started
    rss_peak = rss_mib("VmHWM")
    last = issue(opened, folder, 1, "last", first=len(issued.tokens))
    assert count_allocations(opened) == total
    lists = opened.status.lists()
    expected_lists = -(-total // LIST_SIZE)
    assert lists == list(range(1, expected_lists + 1)), lists

    # Revoke a fraction of the first list's entries, through the log.
    revoke = min(round(revoked_fraction * LIST_SIZE), len(issued.ids))
    started = time.perf_counter()
    for credential_id in issued.ids[:revoke]:
        set_credential_status(opened.governance, credential_id, "revoked", "issued_in_error")
    revoking = time.perf_counter() - started

    # Sizes and times of one list credential, empty and with the revocations.
    directory = opened.governance.directory()
    now = utc_now()
    first = revocation_entry(issued.tokens[0])
    full_no = int(first.status_list_credential.rsplit("/", 1)[1].split("-")[0])
    empty_no = lists[-1]

    def build(list_no: int) -> str:
        return opened.status.credential(directory, list_no, REVOCATION, opened.authority_key, now)

    revoked_list, empty_list = build(full_no), build(empty_no)
    build_revoked, build_empty = (
        best_time(lambda: build(full_no), 20),
        best_time(lambda: build(empty_no), 20),
    )

    def read_and_look_up(token: str, index: int) -> bool:
        return read_status_list(token, authority, "list").bits.get(index)

    assert read_and_look_up(revoked_list, first.status_list_index)
    read_revoked = best_time(lambda: read_and_look_up(revoked_list, first.status_list_index), 50)
    read_empty = best_time(lambda: read_and_look_up(empty_list, 0), 50)
    started = time.perf_counter()
    bundle = export(opened)
    exported = time.perf_counter() - started
    started = time.perf_counter()
    trust = read_trust_bundle(bundle, authority)
    read = time.perf_counter() - started
    assert len(trust.status_lists) == 2 * len(lists)

    print(
        f"allocation   {wanted:,} indexes, StatusLists.allocate on SQLite, {alloc_batch:,} a "
        f"call: {allocation:.1f} s, {wanted / allocation:,.0f} /s, RSS {rss_before:.0f} MiB "
        f"before, peak {rss_peak:.0f} MiB ({total:,} with those issued: {len(lists)} lists per purpose)"
    )
    print(
        f"revocation   {revoke:,} credentials through the log ({revoke / LIST_SIZE:.2%} of list "
        f"{full_no}'s entries): {revoking:.1f} s, {revoking / max(revoke, 1) * 1000:.1f} ms each"
    )
    print(
        f"{'one revocation list credential':<34} {'signed JWS':>11} {'build+sign':>11} {'read+bit':>9}"
    )
    for what, token, built, read_in in (
        ("empty", empty_list, build_empty, read_empty),
        (
            f"{revoke:,} revoked ({revoke / LIST_SIZE:.2%})",
            revoked_list,
            build_revoked,
            read_revoked,
        ),
    ):
        print(f"{what:<34} {len(token):9,} B {built * 1000:8.2f} ms {read_in * 1000:6.2f} ms")
    print(
        f"trust bundle with all {len(trust.status_lists)} lists: {len(bundle):,} bytes, exported "
        f"in {exported * 1000:.0f} ms, read (verified) in {read * 1000:.0f} ms"
    )

    # One revocation among all of them: a verifier holding the bundle from before needs one
    # fetch, the list its credential points to.
    token, proof = last.tokens[0], last.evidence[0]
    entry = revocation_entry(token)
    before = trust.status_lists
    assert verify_credential(token, trust, utc_now(), proof).result == "valid"
    set_credential_status(opened.governance, last.ids[0], "revoked", "fraudulent")
    served = published_lists(opened, utc_now())
    assert len(served) == 2 * len(lists)
    fetched: list[str] = []

    def fetch(url: str) -> str:
        fetched.append(url)
        return served[url]

    fresh = read_status_list(fetch(entry.status_list_credential), authority, "fetched")
    assert (fresh.url, fresh.purpose) == (entry.status_list_credential, REVOCATION)
    stale = verify_credential(token, trust, utc_now(), proof)
    report = verify_credential(
        token, trust, utc_now(), proof, status_lists={(fresh.url, fresh.purpose): fresh}
    )
    status = next(check for check in report.checks if check.check == "status")
    assert stale.result == "valid", stale.to_json()
    assert report.result == "invalid" and status.code == "status.revoked", report.to_json()
    assert [c.check for c in report.checks if c.ok is not True] == ["status"], report.to_json()
    assert fetched == [entry.status_list_credential]
    changed = []
    for url, published in served.items():
        now_list: StatusList = read_status_list(published, authority, url)
        old = before[(url, now_list.purpose)].bits
        if now_list.bits != old:
            changed.append(
                (url, [i for i in range(LIST_SIZE) if now_list.bits.get(i) != old.get(i)])
            )
    assert changed == [(entry.status_list_credential, [entry.status_list_index])], changed
    print(
        f"revoked 1 of {total:,} credentials (index {entry.status_list_index} of "
        f"{entry.status_list_credential.rsplit('/', 1)[1]}): a verifier with the bundle from "
        f"before reads 'valid'; after {len(fetched)} status list fetch "
        f"({len(served[entry.status_list_credential]):,} bytes) it reads "
        f"'{report.result}' ({status.code}). Checked: exactly 1 fetch; of the "
        f"{len(served)} lists only that one changed, in that one bit."
    )


def export(opened: Registry) -> str:
    return export_bundle(opened.governance, opened.status, opened.authority_key, utc_now())


def main() -> None:
    parser = argparse.ArgumentParser(description="Offline verification and status lists.")
    parser.add_argument(
        "--credentials", type=int, default=10_000, help="credentials issued and verified"
    )
    parser.add_argument("--rounds", type=int, default=3, help="timed rounds over all of them")
    parser.add_argument("--slice", type=int, default=500, help="credentials per interleaved slice")
    parser.add_argument(
        "--status-credentials",
        type=int,
        default=1_000_000,
        help="credentials holding a status list index at the end",
    )
    parser.add_argument(
        "--alloc-batch", type=int, default=100_000, help="indexes per StatusLists.allocate call"
    )
    parser.add_argument(
        "--revoked", type=float, default=0.01, help="fraction of the first list's entries revoked"
    )
    parser.add_argument(
        "--profile", action="store_true", help="print a cProfile of one verification pass"
    )
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        started = time.perf_counter()
        opened = open_bench_registry(folder / "home")
        try:
            issued = issue(opened, folder, args.credentials, "batch")
            took = time.perf_counter() - started
            print(
                f"registry: {args.credentials:,} credentials issued, allocated and logged in "
                f"{took:.1f} s"
            )
            bench_verification(opened, issued, args.rounds, args.slice, args.profile)
            bench_status_lists(
                opened, folder, issued, args.status_credentials, args.alloc_batch, args.revoked
            )
        finally:
            opened.close()


if __name__ == "__main__":
    main()
