"""``manage.py bench --quick`` runs end to end, so the benchmark cannot rot.  No test here asserts a time."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from benchmark import harness as bench
from editor import selectors
from editor.netpol.compile import compile_design


def test_synthetic_spec_has_about_four_flows_per_workload_across_namespaces_with_named_ports():
    spec = bench.synthetic_spec(100, 10)
    assert len(spec.workloads) == 100
    assert len(spec.namespaces) == 10
    assert 4 <= len(spec.flows) / len(spec.workloads) < 4.2
    ends = [(next(iter(f["source"])), next(iter(f["destination"]))) for f in spec.flows]
    assert ("workload", "external") in ends and ("external", "workload") in ends
    assert ("workload", "namespace") in ends
    cross = [
        f
        for f in spec.flows
        if "workload" in f["source"]
        and "workload" in f["destination"]
        and f["source"]["workload"].split("/")[0] != f["destination"]["workload"].split("/")[0]
    ]
    assert cross
    assert any(isinstance(p["port"], str) for f in spec.flows for p in f["ports"])
    pairs = [(str(f["source"]), str(f["destination"])) for f in spec.flows]
    assert len(pairs) == len(set(pairs)), "a flow is drawn twice"


def test_synthetic_spec_refuses_too_few_workloads_per_namespace():
    with pytest.raises(ValueError, match="3 workloads per namespace"):
        bench.synthetic_spec(10, 5)


@pytest.mark.django_db
def test_synthetic_design_is_written_through_the_services_and_compiles_like_its_domain_graph(user):
    spec = bench.synthetic_spec(40, 4)
    design = bench.spec_design_create(owner=user, spec=spec, name="bench")
    data = selectors.design_state(design)
    assert data.graph == bench.spec_graph(spec)
    assert compile_design(data.graph) == compile_design(bench.spec_graph(spec))
    created, filled = design.revisions.order_by("number")  # made, then written through design_restore
    assert len(selectors.revision_snapshot(filled)["flows"]) == len(spec.flows)


@pytest.mark.django_db
def test_edit_pairs_are_new_flows_the_api_accepts(user):
    spec = bench.synthetic_spec(40, 4)
    design = bench.spec_design_create(owner=user, spec=spec, name="bench")
    client = bench.api_client(user)
    for port, (source, destination) in enumerate(bench.edit_pairs(spec, 3), start=20000):
        bench.api_edit(client, design.pk, source, destination, port)
    assert design.flows.count() == len(spec.flows) + 3


def test_percentiles_are_nearest_rank():
    timing = bench.Timing([float(n) for n in range(1, 101)])
    assert timing.median == 50.5
    assert timing.p95 == 95.0
    assert bench.Timing([3.0, 1.0, 2.0]).p95 == 3.0


def test_write_markdown_replaces_only_the_table_between_the_markers(tmp_path):
    path = tmp_path / "benchmarks.md"
    path.write_text(f"# Benchmarks\n\nintro\n\n{bench.BEGIN}\nold table\n{bench.END}\n\n## Optimisations\nkept\n")
    bench.write_markdown(path, bench.Report(machine={"CPU": "test"}, quick=True))
    text = path.read_text()
    assert "old table" not in text
    assert "| CPU | test |" in text
    assert text.startswith("# Benchmarks\n\nintro\n\n") and text.endswith("## Optimisations\nkept\n")


@pytest.mark.django_db(transaction=True)
def test_bench_quick_prints_and_writes_the_table(tmp_path, capsys):
    output = tmp_path / "benchmarks.md"
    call_command("bench", "--quick", "--in-place", "--strict", "--no-browser", "--output", str(output))
    printed = capsys.readouterr().out
    for figure in (
        "compile → manifest dicts",
        "compile + YAML render",
        "edit in the editor (htmx)",
        "edit via the API",
        "SQL queries per edit",
        "reachability truth table",
        "import manifests",
        "| cores |",
        "| database |",
    ):
        assert figure in printed
    assert "tables equal" in printed
    assert printed in output.read_text()


def test_truth_table_figure_samples_the_naive_reference_on_large_designs():
    report = bench.Report()
    bench.matrix_figures(report, 240, repeat=1, log=lambda line: None)
    (row,) = report.rows
    assert "sampled cells agree" in row.note


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_bench_quick_measures_the_editor_page_in_chromium(tmp_path, capsys):
    call_command("bench", "--quick", "--in-place", "--strict")
    printed = capsys.readouterr().out
    row = next(line for line in printed.splitlines() if line.startswith("| editor page first render"))
    assert "not measured" not in row
    assert "SVG elements" in row


@pytest.mark.django_db
def test_a_failing_figure_is_reported_as_not_measured_and_the_others_still_run(monkeypatch):
    ran = []
    monkeypatch.setattr(bench, "compile_figures", lambda *a, **k: ran.append("compile"))
    monkeypatch.setattr(bench, "django_figures", lambda *a, **k: 1 / 0)
    monkeypatch.setattr(bench, "matrix_figures", lambda *a, **k: ran.append("matrix"))
    monkeypatch.setattr(bench, "import_figures", lambda *a, **k: ran.append("import"))
    report = bench.run(quick=True, browser=False)
    assert ran == ["compile", "matrix", "import"]
    (failed,) = [r for r in report.rows if r.figure == "edits"]
    assert failed.verdict == "not measured"
    assert "ZeroDivisionError" in failed.note
    with pytest.raises(ZeroDivisionError):
        bench.run(quick=True, browser=False, strict=True)


def test_one_namespace_shape_puts_every_workload_in_one_namespace_with_overlapping_selectors():
    from editor.netpol.lint import lint

    graph = bench.one_namespace_graph(120)
    assert {w.namespace for w in graph.workloads} == {"flat"} and len(graph.workloads) == 120
    assert 3 <= len(graph.flows) / len(graph.workloads) < 3.5
    found = lint(graph, compile_design(graph))
    assert {f.code for f in found} == {"selector-overlap"}  # the canaries share their neighbour's labels
    assert len(found) == 120 // 50


def test_one_namespace_lint_figures_add_a_row_per_size_and_a_ratio():
    report = bench.Report()
    bench.one_namespace_lint_figures(report, (60, 120), repeat=1, log=lambda line: None)
    rows = [r for r in report.rows if r.figure == "warnings (full lint), one namespace"]
    assert [r.size.split(" ")[0] for r in rows] == ["60", "120"]
    assert "× the 60-workload time" in rows[1].note


def test_export_target_figures_time_every_target_against_the_networkpolicy_export():
    report = bench.Report()
    bench.export_target_figures(report, (40, 4), repeat=1, log=lambda line: None)
    assert [r.figure for r in report.rows] == [
        f"export ?target={t} (compile + convert + YAML)" for t in ("networkpolicy", "cilium", "netassert")
    ]
    assert all(r.timing.samples and "× the networkpolicy export" in r.note for r in report.rows)
