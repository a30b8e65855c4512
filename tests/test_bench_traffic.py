"""The traffic benchmark runs (quick) and its capture is what it says: real-sized hubble lines the reader uses."""

from __future__ import annotations

import pytest

from benchmark import harness as bench
from editor.netpol import traffic


def test_the_bench_capture_is_real_sized_hubble_lines_the_reader_reads(tmp_path):
    path = tmp_path / "capture.jsonl"
    bench.hubble_capture(path, bench.synthetic_spec(40, 4), 1000)
    size = path.stat().st_size
    assert 1600 <= size / 1000 <= 2600
    with path.open("rb") as f:
        t = traffic.read(f)
    assert t.flows == 1000 and t.skipped == []
    assert 400 <= t.used <= 600 and t.dropped > 0


@pytest.mark.django_db
def test_traffic_figures_run_quick():
    report = bench.Report()
    bench.traffic_figures(report, quick=True, log=lambda line: None)
    assert [r.target for r in report.rows] == ["≤ 10 s, ≤ 500 MB", "≤ 5 s"]
    assert all(r.timing is not None for r in report.rows)
