"""The benchmark behind ``manage.py bench``: synthetic designs, timed figures, one table.

A synthetic design has ``workloads`` workloads spread evenly over ``namespaces``
namespaces, about four flows per workload (inside the namespace on a named and a
numbered port, across namespaces, to a whole namespace, to and from externals),
every workload declaring named container ports.  The same specification becomes
either a domain ``Graph`` (figures that are pure domain) or database rows made
with ``bulk_create`` (figures that go through Django).

Figures are compared as ratios measured in the same run, never against a clock
in a test: machines differ, ratios much less.
"""

from __future__ import annotations

import os
import platform
import re
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from editor.netpol import model as nm
from editor.netpol.compile import compile_design
from editor.netpol.render import manifests, to_yaml

# (workloads, namespaces) of the full run, and of ``--quick``
FULL_SIZES: tuple[tuple[int, int], ...] = ((100, 10), (1000, 50), (5000, 100))
QUICK_SIZES: tuple[tuple[int, int], ...] = ((40, 4), (120, 6))

BEGIN = "<!-- bench:begin (written by `python manage.py bench`; edit outside these markers) -->"
END = "<!-- bench:end -->"

EXTERNALS = (
    ("corp", "10.0.0.0/8", ("10.0.0.0/24",)),
    ("partner", "192.0.2.0/24", ()),
    ("internet", "0.0.0.0/0", ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")),
    ("load-balancer", "203.0.113.0/24", ()),
)


# ---------------------------------------------------------------- the synthetic design


@dataclass(frozen=True)
class Spec:
    """A synthetic design as plain data: rows for the database, values for the domain."""

    namespaces: list[dict]  # {name, labels}
    workloads: list[dict]  # {namespace, name, labels, ports, x, y}
    externals: list[dict]  # {name, cidr, except}
    flows: list[dict]  # {source: {kind: ref}, destination: {kind: ref}, ports: [...]}

    @property
    def size(self) -> int:
        return len(self.workloads)


def synthetic_spec(workloads: int, namespaces: int) -> Spec:
    """``workloads`` workloads over ``namespaces`` namespaces (at least 3 per namespace), about 4 flows each."""
    if namespaces < 4 or workloads < 3 * namespaces:
        raise ValueError(
            f"A synthetic design needs at least 4 namespaces and 3 workloads per namespace; "
            f"got {workloads} workloads over {namespaces} namespaces."
        )
    ns_names = [f"team-{k:03d}" for k in range(namespaces)]
    per_ns: list[list[str]] = [[] for _ in range(namespaces)]
    rows = []
    for i in range(workloads):
        k = i % namespaces
        name = f"svc-{i:05d}"
        per_ns[k].append(name)
        rows.append(
            {
                "namespace": ns_names[k],
                "name": name,
                "labels": {"app": name, "tier": ("web", "api", "db")[i % 3]},
                "ports": [
                    {"name": "http", "port": 8080, "protocol": "TCP"},
                    {"name": "metrics", "port": 9090, "protocol": "TCP"},
                ],
                "x": float(40 + (i % 50) * 30),
                "y": float(40 + (i // 50) * 30),
            }
        )

    def ref(k: int, j: int) -> dict:
        names = per_ns[k % namespaces]
        return {"workload": f"{ns_names[k % namespaces]}/{names[j % len(names)]}"}

    flows = []
    for k in range(namespaces):
        for j in range(len(per_ns[k])):
            i = j * namespaces + k
            me = ref(k, j)
            flows.append({"source": me, "destination": ref(k, j + 1), "ports": [{"protocol": "TCP", "port": "http"}]})
            flows.append({"source": me, "destination": ref(k, j + 2), "ports": [{"protocol": "TCP", "port": 9090}]})
            flows.append({"source": me, "destination": ref(k + 1, j), "ports": [{"protocol": "TCP", "port": "http"}]})
            kind = i % 4
            if kind == 0:
                flows.append(
                    {"source": me, "destination": {"external": "corp"}, "ports": [{"protocol": "TCP", "port": 443}]}
                )
            elif kind == 1:
                flows.append(
                    {
                        "source": me,
                        "destination": {"namespace": ns_names[(k + 2) % namespaces]},
                        "ports": [{"protocol": "TCP", "port": 5432}],
                    }
                )
            elif kind == 2:
                flows.append(
                    {
                        "source": {"external": "load-balancer"},
                        "destination": me,
                        "ports": [{"protocol": "TCP", "port": 8000, "end_port": 8100}],
                    }
                )
            else:
                flows.append({"source": me, "destination": ref(k + 3, j), "ports": []})
            if i % 25 == 0:
                flows.append(
                    {
                        "source": me,
                        "destination": {"external": "internet"},
                        "ports": [{"protocol": "TCP", "port": 443}],
                    }
                )
    return Spec(
        namespaces=[{"name": n, "labels": {"team": n}} for n in ns_names],
        workloads=rows,
        externals=[{"name": n, "cidr": c, "except": list(e)} for n, c, e in EXTERNALS],
        flows=flows,
    )


def spec_graph(spec: Spec) -> nm.Graph:
    """The specification as the domain sees it (what ``selectors.design_load`` would hand over)."""

    def endpoint(end: dict) -> nm.Endpoint:
        ((kind, ref),) = end.items()
        return nm.Endpoint(kind, ref)

    return nm.Graph(
        namespaces=tuple(nm.Namespace(n["name"], tuple(sorted(n["labels"].items()))) for n in spec.namespaces),
        workloads=tuple(
            nm.Workload(
                w["namespace"],
                w["name"],
                tuple(sorted(w["labels"].items())),
                tuple(nm.ContainerPort(p["name"], p["port"], p["protocol"]) for p in w["ports"]),
            )
            for w in sorted(spec.workloads, key=lambda w: (w["namespace"], w["name"]))
        ),
        externals=tuple(
            nm.External(e["name"], e["cidr"], tuple(e["except"]))
            for e in sorted(spec.externals, key=lambda e: e["name"])
        ),
        flows=tuple(
            nm.Flow(
                endpoint(f["source"]),
                endpoint(f["destination"]),
                tuple(nm.Port(p["protocol"], p["port"], p.get("end_port")) for p in f["ports"]),
            )
            for f in spec.flows
        ),
    )


def spec_design_create(*, owner, spec: Spec, name: str):
    """The specification as database rows, made with ``bulk_create`` (seconds, not minutes, at 5,000).

    The design is made by the service (so it has its first revision); its parts are bulk-inserted and the
    first revision's snapshot is refreshed to hold them, so history and restore see the whole design.
    """
    from django.db import transaction

    from editor import models, selectors, services

    with transaction.atomic():
        design = services.design_create(owner=owner, name=name)
        namespaces = {
            ns.name: ns
            for ns in models.Namespace.objects.bulk_create(
                models.Namespace(design=design, name=n["name"], labels=n["labels"]) for n in spec.namespaces
            )
        }
        workloads = {
            f"{w.namespace.name}/{w.name}": w
            for w in models.Workload.objects.bulk_create(
                (
                    models.Workload(
                        design=design,
                        namespace=namespaces[w["namespace"]],
                        name=w["name"],
                        labels=w["labels"],
                        ports=w["ports"],
                        x=w["x"],
                        y=w["y"],
                    )
                    for w in spec.workloads
                ),
                batch_size=2000,
            )
        }
        externals = {
            e.name: e
            for e in models.External.objects.bulk_create(
                models.External(design=design, name=e["name"], cidr=e["cidr"], except_cidrs=e["except"])
                for e in spec.externals
            )
        }
        rows = {"workload": workloads, "namespace": namespaces, "external": externals}
        flows = []
        for f in spec.flows:
            flow = models.Flow(design=design, ports=f["ports"])
            for side in ("source", "destination"):
                ((kind, ref),) = f[side].items()
                setattr(flow, f"{side}_{kind}", rows[kind][ref])
            flows.append(flow)
        models.Flow.objects.bulk_create(flows, batch_size=2000)
        models.Revision.objects.filter(design=design).update(
            snapshot=selectors.design_snapshot(selectors.design_load(design))
        )
    return design


# ---------------------------------------------------------------- timing


@dataclass
class Timing:
    samples: list[float] = field(default_factory=list)  # seconds

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    @property
    def p95(self) -> float:
        """Nearest-rank 95th percentile (with few samples: the slowest)."""
        ordered = sorted(self.samples)
        return ordered[max(0, -(-95 * len(ordered) // 100) - 1)]


def timed(fn: Callable[[], object], repeat: int, warmup: int = 1) -> Timing:
    for _ in range(warmup):
        fn()
    timing = Timing()
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        timing.samples.append(time.perf_counter() - start)
    return timing


def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.1f} ms"


@dataclass
class Row:
    figure: str
    size: str
    timing: Timing | None
    target: str = ""
    verdict: str = ""  # "met", "missed", or why not measured
    note: str = ""


@dataclass
class Report:
    rows: list[Row] = field(default_factory=list)
    machine: dict[str, str] = field(default_factory=dict)
    quick: bool = False

    def add(self, row: Row) -> Row:
        self.rows.append(row)
        return row

    def markdown(self) -> str:
        how = (
            "`python manage.py bench --quick` (small sizes, few repetitions: not figures to quote)"
            if self.quick
            else "`python manage.py bench`"
        )
        lines = [
            f"Run with {how} on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}.",
            "",
            "| machine | |",
            "| --- | --- |",
            *(f"| {k} | {v} |" for k, v in self.machine.items()),
            "",
            "| figure | design | median | p95 | runs | target | verdict | note |",
            "| --- | --- | ---: | ---: | ---: | --- | --- | --- |",
        ]
        for r in self.rows:
            if r.timing is None:
                cells = ["–", "–", "0"]
            else:
                cells = [ms(r.timing.median), ms(r.timing.p95), str(len(r.timing.samples))]
            lines.append(f"| {r.figure} | {r.size} | {' | '.join(cells)} | {r.target} | {r.verdict} | {r.note} |")
        return "\n".join(lines) + "\n"


def verdict(ok: bool) -> str:
    return "met" if ok else "**missed**"


# ---------------------------------------------------------------- the machine


def machine(connection) -> dict[str, str]:
    cpu = platform.processor() or platform.machine()
    try:
        match = re.search(r"^model name\s*:\s*(.+)$", Path("/proc/cpuinfo").read_text(), re.MULTILINE)
        if match:
            cpu = match.group(1).strip()
    except OSError:
        pass
    if connection.vendor == "sqlite":
        import sqlite3

        database = f"SQLite {sqlite3.sqlite_version}"
    elif connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            database = f"PostgreSQL {cursor.fetchone()[0]}"
    else:  # pragma: no cover
        database = connection.vendor
    import django

    return {
        "CPU": cpu,
        "cores": str(os.cpu_count()),
        "OS": f"{platform.system()} {platform.release()}",
        "Python": platform.python_version(),
        "Django": django.get_version(),
        "database": database,
        "YAML": f"PyYAML {yaml.__version__}, libyaml {'yes' if getattr(yaml, '__with_libyaml__', False) else 'no'}",
    }


# ---------------------------------------------------------------- the figures


def compile_figures(report: Report, sizes, repeat: int, log) -> None:
    """Compile to manifest dicts, and compile + YAML against a bare libyaml dump of the same documents."""
    compile_times: dict[int, Timing] = {}
    for workloads, namespaces in sizes:
        spec = synthetic_spec(workloads, namespaces)
        graph = spec_graph(spec)
        label = f"{workloads:,} workloads / {namespaces} ns / {len(spec.flows):,} flows"
        log(f"compile {label}")
        compile_times[workloads] = timed(lambda g=graph: manifests(compile_design(g)), repeat)
        docs = manifests(compile_design(graph))
        render = timed(lambda g=graph: to_yaml(manifests(compile_design(g))), repeat)
        bare = timed(lambda d=docs: yaml.dump_all(d, Dumper=yaml.CSafeDumper), repeat)
        same_bare = timed(lambda d=docs: to_yaml(d), repeat)
        report.add(Row("compile → manifest dicts", label, compile_times[workloads], "≤ 1 s at 5,000"))
        ratio = render.median / bare.median
        report.add(
            Row(
                "compile + YAML render",
                label,
                render,
                "≤ 2× bare libyaml dump",
                verdict(ratio <= 2),
                f"{ratio:.2f}× `yaml.dump_all(docs, Dumper=yaml.CSafeDumper)` "
                f"(median {ms(bare.median)}); YAML of ready dicts alone {ms(same_bare.median)}",
            )
        )
    largest, _ = sizes[-1]
    report.rows_by_size = compile_times  # type: ignore[attr-defined]
    top = compile_times[largest]
    for row in report.rows:
        if row.figure == "compile → manifest dicts" and row.timing is top:
            notes = []
            ok = True
            if largest >= 5000:
                ok = top.median <= 1.0
            base = next((n for n, _ in sizes if n * 5 == largest), None)
            if base is not None:
                ratio = top.median / compile_times[base].median
                notes.append(f"{ratio:.2f}× the {base:,}-workload time (target ≤ 6×)")
                ok = ok and ratio <= 6
            row.verdict = verdict(ok)
            row.note = "; ".join(notes)


def not_measured(report: Report, figure: str, size: str, target: str, why: str) -> None:
    report.add(Row(figure, size, None, target, "not measured", why))


# ---------------------------------------------------------------- figures through Django


def edit_pairs(spec: Spec, count: int) -> list[tuple[str, str]]:
    """``count`` workload → workload flows the synthetic design does not have yet (one per source)."""
    existing = {(next(iter(f["source"].values())), next(iter(f["destination"].values()))) for f in spec.flows}
    by_ns: dict[str, list[str]] = {}
    for w in spec.workloads:
        by_ns.setdefault(w["namespace"], []).append(f"{w['namespace']}/{w['name']}")
    names = list(by_ns)
    pairs = []
    for i in range(len(spec.workloads)):
        k = i % len(names)
        members, others = by_ns[names[k]], by_ns[names[(k + 1) % len(names)]]
        j = (i // len(names)) % len(members)
        pair = (members[j], others[(j + 3) % len(others)])
        if pair not in existing:
            pairs.append(pair)
            existing.add(pair)
        if len(pairs) == count:
            return pairs
    raise ValueError(f"The synthetic design has room for only {len(pairs)} new flows, not {count}.")


def api_edit(client, design_id: int, source: str, destination: str, port: int) -> None:
    """The API path of one edit: add a flow, then read back the manifests and the warnings."""
    base = f"/api/v1/designs/{design_id}"
    response = client.post(
        f"{base}/flows/",
        {"source": {"workload": source}, "destination": {"workload": destination}, "ports": [{"port": port}]},
        content_type="application/json",
    )
    if response.status_code != 201:
        raise RuntimeError(f"Adding a flow answered {response.status_code}: {response.content[:500]!r}")
    for path in ("manifests/", "warnings/"):
        response = client.get(f"{base}/{path}")
        if response.status_code != 200:
            raise RuntimeError(f"GET {path} answered {response.status_code}: {response.content[:500]!r}")
        response.content  # noqa: B018  (render the whole body, as a server would)


def edit_queries(client, design_id: int, source: str, destination: str, port: int) -> int:
    """How many SQL queries one API edit runs."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        api_edit(client, design_id, source, destination, port)
    return len(queries)


def api_client(user):
    from django.test import Client
    from rest_framework.authtoken.models import Token

    token, _ = Token.objects.get_or_create(user=user)
    return Client(headers={"authorization": f"Token {token.key}"})


def django_figures(report: Report, sizes, edits: int, log) -> None:
    """Edit through the real Django stack (test ``Client`` against the real URLs) and its query count."""
    from django.contrib.auth import get_user_model
    from django.test.utils import override_settings

    user_model = get_user_model()
    user, _ = user_model.objects.get_or_create(username="bench-user")
    client = api_client(user)
    edit_size = next(((w, n) for w, n in sizes if w == 1000), sizes[-1])
    counts = {}
    for workloads, namespaces in sizes:
        spec = synthetic_spec(workloads, namespaces)
        label = f"{workloads:,} workloads / {namespaces} ns / {len(spec.flows):,} flows"
        start = time.perf_counter()
        design = spec_design_create(owner=user, spec=spec, name=f"bench {workloads}")
        log(f"built {label} in the database in {time.perf_counter() - start:.1f} s")
        pairs = iter(edit_pairs(spec, edits + 3))
        port = iter(range(20000, 30000))
        with override_settings(DEBUG=False):
            counts[workloads] = edit_queries(client, design.pk, *next(pairs), next(port))
            if (workloads, namespaces) == edit_size:
                log(f"edit {label}")
                timing = timed(lambda d=design, p=pairs, n=port: api_edit(client, d.pk, *next(p), next(n)), edits)
                report.add(
                    Row(
                        "edit via API: POST flow + GET manifests + GET warnings",
                        label,
                        timing,
                        "p50 ≤ 50 ms, p95 ≤ 100 ms",
                        verdict(timing.median <= 0.050 and timing.p95 <= 0.100),
                        "the htmx editor's add-flow view does not exist yet: the API path stands in for it",
                    )
                )
    values = sorted(set(counts.values()))
    report.add(
        Row(
            "SQL queries per edit",
            ", ".join(f"{w:,}" for w in counts),
            None,
            "constant in design size",
            verdict(len(values) == 1),
            ", ".join(f"{n} at {w:,}" for w, n in counts.items()) + " (pinned by tests/test_query_counts.py)",
        )
    )


# ---------------------------------------------------------------- the run


def run(*, quick: bool, log: Callable[[str], None] = lambda line: None) -> Report:
    """Every figure, on the current database (``manage.py bench`` points it at a scratch database)."""
    from django.db import connection

    sizes = QUICK_SIZES if quick else FULL_SIZES
    report = Report(machine=machine(connection), quick=quick)
    compile_figures(report, sizes, repeat=2 if quick else 7, log=log)
    django_figures(report, sizes, edits=3 if quick else 40, log=log)
    return report


def write_markdown(path: Path, report: Report) -> None:
    """Put the table between the markers of ``path``, keeping what is written around them."""
    block = f"{BEGIN}\n{report.markdown()}{END}"
    text = path.read_text() if path.exists() else ""
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        text = head + block + rest.split(END, 1)[1]
    else:
        text = (text.rstrip() + "\n\n" if text.strip() else "# Benchmarks\n\n") + block + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
