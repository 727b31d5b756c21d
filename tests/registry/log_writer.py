"""A separate process appending to a log, for the crash and concurrency tests.

    python -m tests.registry.log_writer URL KEY.pem ORIGIN WRITER [--batches N] [--seed S]

Appends batches of 1..40 entries ``{"writer": WRITER, "n": k}`` (k counting up from where this
writer's entries in the log end) and, after each append returns, prints one line
``ack FIRST_INDEX COUNT FIRST_N`` and flushes: a line printed is an entry acknowledged.
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

from issuer.keys import read_private_key
from registry.database import make_engine
from registry.log import Draft, TransparencyLog
from registry.store import SqlLogStore


def _next_n(store: SqlLogStore, writer: int) -> int:
    """Where this writer left off: one more than its highest ``n`` in the log."""
    highest = -1
    for _, _, data in store.scan_entries():
        body = json.loads(data)["body"]
        if body.get("writer") == writer:
            highest = max(highest, body["n"])
    return highest + 1


def main() -> None:
    parser = argparse.ArgumentParser()
    for name in ("url", "key", "origin"):
        parser.add_argument(name)
    parser.add_argument("writer", type=int)
    parser.add_argument("--batches", type=int, default=0, help="0: until killed")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    store = SqlLogStore(make_engine(args.url))
    log = TransparencyLog(store, origin=args.origin, key=read_private_key(Path(args.key)))
    chooser = random.Random(args.seed)  # noqa: S311 (batch sizes, not secrets)
    n = _next_n(store, args.writer)
    done = 0
    while not args.batches or done < args.batches:
        count = chooser.randint(1, 40)
        receipts = log.append(
            [Draft("test", {"writer": args.writer, "n": n + i}) for i in range(count)]
        )
        print(f"ack {receipts[0].index} {count} {n}", flush=True)
        n += count
        done += 1


if __name__ == "__main__":
    main()
