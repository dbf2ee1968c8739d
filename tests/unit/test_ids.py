from __future__ import annotations

import re

from hookdev.ids import new_id


def test_ids_are_fixed_width_unique_and_sort_by_time():
    ids = [new_id("msg", now=1_700_000_000 + i / 1000) for i in range(2000)]
    assert all(re.fullmatch(r"msg_[0-9A-Za-z]{22}", i) for i in ids)
    assert len(set(ids)) == len(ids)
    assert [i[:12] for i in ids] == sorted(i[:12] for i in ids)
    assert new_id("req", now=1_700_000_000.001) > new_id("req", now=1_700_000_000.000)
    assert new_id("req", now=4_000_000_000) > new_id("req", now=1_700_000_000)
