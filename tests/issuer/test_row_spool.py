"""``RowSpool`` answers membership as a set would, for rows asked in order."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from issuer.row_spool import RowSpool

rows = st.sets(st.integers(1, 5_000), max_size=300)


@given(kept=rows, asked=st.lists(st.integers(0, 5_001), max_size=300))
def test_membership_is_the_sets(kept: set[int], asked: list[int]) -> None:
    spool = RowSpool()
    try:
        for row in sorted(kept):
            spool.add(row)
        assert len(spool) == len(kept)
        assert [row in spool for row in sorted(asked)] == [row in kept for row in sorted(asked)]
    finally:
        spool.close()


def test_rows_out_of_order_are_refused() -> None:
    spool = RowSpool()
    try:
        spool.add(5)
        with pytest.raises(ValueError, match="increasing"):
            spool.add(5)
        assert 7 not in spool
        with pytest.raises(ValueError, match="non-decreasing"):
            _ = 6 in spool
        with pytest.raises(ValueError, match="before any is asked"):
            spool.add(9)
    finally:
        spool.close()
