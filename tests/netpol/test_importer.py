"""Import keeps meaning exactly, validates like the API server, and refuses hostile input."""

from __future__ import annotations

import json
import textwrap

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from editor.netpol import analyze, importer
from editor.netpol.compile import compile_design
from editor.netpol.importer import (
    MAX_DEPTH,
    ImportFailed,
    import_manifests,
    parse_policy,
    policy_from_manifest,
)
from editor.netpol.model import ContainerPort, Port
from editor.netpol.render import manifests, policy_manifest, to_yaml
from tests.oracle import nca_allowed_connections

from . import manifest_strategies as ms


def errors_of(text: str) -> list[tuple[int, str, str]]:
    with pytest.raises(ImportFailed) as info:
        import_manifests(textwrap.dedent(text))
    return [(e.document, e.path, e.message) for e in info.value.errors]


def netpol(spec: str, name: str = "p", namespace: str | None = "prod") -> str:
    ns = f", namespace: {namespace}" if namespace else ""
    return (
        f"apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {{name: {name}{ns}}}\n"
        f"spec:\n{textwrap.indent(textwrap.dedent(spec), '  ')}"
    )


# ---------------------------------------------------------------- meaning


def test_policy_types_default_like_the_api_server():
    (ingress_only,) = import_manifests(netpol("podSelector: {}\negress: []\n")).policies
    assert (ingress_only.ingress_isolated, ingress_only.egress_isolated) == (True, False)
    (both,) = import_manifests(netpol("podSelector: {}\negress: [{}]\n")).policies
    assert (both.ingress_isolated, both.egress_isolated) == (True, True)
    (explicit,) = import_manifests(netpol("podSelector: {}\npolicyTypes: [Egress]\n")).policies
    assert (explicit.ingress_isolated, explicit.egress_isolated, explicit.egress) == (False, True, ())


def test_rules_of_a_direction_not_in_policy_types_are_dropped_as_kubernetes_ignores_them():
    (policy,) = import_manifests(netpol("podSelector: {}\npolicyTypes: [Egress]\ningress: [{}]\n")).policies
    assert policy.ingress == () and "ingress" not in policy_manifest(policy)["spec"]


def test_meaningful_shapes_survive_render():
    text = netpol(
        """\
        podSelector: {}
        ingress:
        - {}
        - from:
          - namespaceSelector: {}
          - namespaceSelector: {matchExpressions: [{key: env, operator: NotIn, values: [dev]}]}
            podSelector: {matchExpressions: [{key: app, operator: DoesNotExist}]}
          ports: [{port: 8000, endPort: 8100, protocol: SCTP}, {port: http}, {protocol: UDP}]
        """
    )
    (policy,) = import_manifests(text).policies
    spec = policy_manifest(policy)["spec"]
    assert spec["podSelector"] == {}
    assert spec["ingress"][0] == {}
    assert spec["ingress"][1]["from"][0] == {"namespaceSelector": {}}
    assert spec["ingress"][1]["ports"] == [
        {"protocol": "SCTP", "port": 8000, "endPort": 8100},
        {"protocol": "TCP", "port": "http"},
        {"protocol": "UDP"},
    ]
    assert import_manifests(to_yaml([policy_manifest(policy)])).policies == (policy,)


def test_workloads_come_from_pods_and_every_pod_template():
    text = """\
    apiVersion: batch/v1
    kind: CronJob
    metadata: {name: nightly, namespace: ops}
    spec:
      jobTemplate:
        spec:
          template:
            metadata: {labels: {app: nightly}}
            spec: {containers: [{name: c, ports: [{name: metrics, containerPort: 9090}]}]}
    ---
    apiVersion: apps/v1
    kind: StatefulSet
    metadata: {name: db.primary}
    spec: {template: {metadata: {labels: {app: db}}, spec: {containers: [{name: c, ports: [{containerPort: 5432}]}]}}}
    ---
    apiVersion: v1
    kind: Pod
    metadata: {generateName: worker-, namespace: ops}
    status: {podIP: "2001:db8::5"}
    """
    imported = import_manifests(textwrap.dedent(text))
    by_ref = {w.ref: w for w in imported.workloads}
    assert set(by_ref) == {"ops/nightly", "default/db-primary", "ops/worker-generated"}
    assert by_ref["ops/nightly"].ports == (ContainerPort("metrics", 9090),)
    assert by_ref["default/db-primary"].ports == ()  # unnamed ports do not matter to policies
    assert by_ref["ops/worker-generated"].ip == "2001:db8::5"
    assert [n.name for n in imported.namespaces] == ["default", "ops"]


def test_namespace_documents_give_labels_without_the_automatic_one():
    text = (
        "apiVersion: v1\nkind: Namespace\nmetadata: {name: prod, labels: {env: prod, kubernetes.io/metadata.name: x}}\n"
    )
    (ns,) = import_manifests(text).namespaces
    assert ns.labels == (("env", "prod"),)
    assert ns.labels_dict["kubernetes.io/metadata.name"] == "prod"


def test_round_trip_keeps_connectivity_by_our_analyzer_for_pods_outside_the_design_too():
    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(ms.policies(max_size=5), ms.pods(min_size=0, max_size=3), ms.pods(min_size=1, max_size=4, prefix="x"))
    def check(original, design_pods, other_pods):
        body = ms.body(design_pods, original)
        exported = manifests(compile_design(import_manifests(body).graph))
        everyone = ms.graph_of(design_pods + other_pods)
        before = [policy_from_manifest(m) for m in original]
        after = [policy_from_manifest(m) for m in exported]
        for protocol, port in ms.PROBES:
            assert analyze.matrix(everyone, before, protocol, port) == analyze.matrix(everyone, after, protocol, port)

    check()


@pytest.mark.nca
@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ms.policies(max_size=4), ms.pods(min_size=1, max_size=3), ms.pods(min_size=1, max_size=3, prefix="x"))
def test_round_trip_keeps_connectivity_according_to_nca(original, design_pods, other_pods):
    body = ms.body(design_pods, original)
    exported = to_yaml(manifests(compile_design(import_manifests(body).graph)))
    everyone = design_pods + other_pods
    before = nca_allowed_connections(yaml.safe_dump_all(original), ms.NAMESPACES, everyone, ms.PROBES)
    after = nca_allowed_connections(exported, ms.NAMESPACES, everyone, ms.PROBES)
    assert before == after


def test_drawn_flows_on_an_imported_design_keep_the_imported_policies_and_rename_clashes():
    imported = import_manifests(
        "apiVersion: v1\nkind: Pod\nmetadata: {name: api, namespace: prod, labels: {app: api}}\n---\n"
        + netpol("podSelector: {matchLabels: {app: api}}\n", name="api")
    )
    from dataclasses import replace

    from editor.netpol.model import Endpoint, Flow

    graph = replace(
        imported.graph, flows=(Flow(Endpoint.workload("prod/api"), Endpoint.namespace("kube-system"), (Port.udp(53),)),)
    )
    refs = [p.ref for p in compile_design(graph)]
    assert refs == ["kube-system/all-pods", "prod/api", "prod/api-2"]


# ---------------------------------------------------------------- validation like the API server


@pytest.mark.parametrize(
    ("spec", "path", "needle"),
    [
        ("podSelector: {matchLabels: {'bad key!': x}}\n", "spec.podSelector.matchLabels.bad key!", "label key"),
        ("podSelector: {matchLabels: {app: 'a b'}}\n", "spec.podSelector.matchLabels.app", "invalid"),
        ("podSelector: {matchLabels: {app: 1}}\n", "spec.podSelector.matchLabels.app", "string"),
        ("podSelector: {matchExpressions: [{key: a, operator: in, values: [x]}]}\n",
         "spec.podSelector.matchExpressions[0].operator", "In, NotIn"),
        ("podSelector: {matchExpressions: [{key: a, operator: NotIn}]}\n",
         "spec.podSelector.matchExpressions[0].values", "must be given"),
        ("ingress: [{ports: [{port: '80'}]}]\n", "spec.ingress[0].ports[0].port", "quoted number"),
        ("ingress: [{ports: [{port: 0}]}]\n", "spec.ingress[0].ports[0].port", "out of range"),
        ("ingress: [{ports: [{port: very-long-port-name}]}]\n", "spec.ingress[0].ports[0].port", "port name"),
        ("ingress: [{ports: [{protocol: ICMP}]}]\n", "spec.ingress[0].ports[0].protocol", "TCP, UDP or SCTP"),
        ("ingress: [{ports: [{endPort: 90}]}]\n", "spec.ingress[0].ports[0].endPort", "without port"),
        ("egress: [{to: [{ipBlock: {cidr: 10.0.0.5}}]}]\n", "spec.egress[0].to[0].ipBlock.cidr", "/32"),
        ("egress: [{to: [{ipBlock: {cidr: 10.0.0.0/8, except: ['2001:db8::/64']}}]}]\n",
         "spec.egress[0].to[0].ipBlock.except[0]", "one family"),
        ("egress: [{to: [{ipBlock: {cidr: 10.0.0.0/8, except: [10.0.0.0/8]}}]}]\n",
         "spec.egress[0].to[0].ipBlock.except[0]", "strictly inside"),
        ("egress: [{to: [{}]}]\n", "spec.egress[0].to[0]", "must specify"),
        ("egress: [{too: []}]\n", "spec.egress[0].too", "Unknown field"),
        ("policyTypes: [Ingress, Egress, Ingress]\n", "spec.policyTypes", "at most two"),
        ("ingress: {from: []}\n", "spec.ingress", "must be a list"),
    ],
)  # fmt: skip
def test_refused_like_the_api_server(spec, path, needle):
    found = errors_of(netpol(spec))
    assert any(p == path and needle in m for _, p, m in found), found


def test_every_error_of_every_document_is_reported_with_its_number():
    body = netpol("ingress: [{ports: [{protocol: tcp}]}]\n") + "---\n" + netpol("egress: [{to: [{}]}]\n", name="Q")
    found = errors_of(body)
    assert {(d, p) for d, p, _ in found} == {
        (1, "spec.ingress[0].ports[0].protocol"),
        (2, "metadata.name"),
        (2, "spec.egress[0].to[0]"),
    }


def test_objects_are_checked_for_their_api_version_and_names():
    found = errors_of(
        "apiVersion: extensions/v1beta1\nkind: Deployment\nmetadata: {name: a}\n---\n"
        "apiVersion: v1\nkind: Namespace\nmetadata: {name: Prod}\n---\n"
        "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nstatus: {podIP: 10.0.0.300}\n"
    )
    assert {(d, p) for d, p, _ in found} == {(1, "apiVersion"), (2, "metadata.name"), (3, "status.podIP")}


def test_duplicate_port_names_in_a_pod_are_refused():
    found = errors_of(
        "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  containers:\n"
        "  - {name: a, ports: [{name: http, containerPort: 80}]}\n"
        "  - {name: b, ports: [{name: http, containerPort: 81}]}\n"
    )
    assert found[0][1] == "spec.containers[1].ports[0].name"


def test_duplicate_policies_are_refused():
    found = errors_of(netpol("podSelector: {}\n") + "---\n" + netpol("podSelector: {}\n"))
    assert found == [(2, "metadata.name", found[0][2])] and "document 1" in found[0][2]


def test_other_kinds_are_skipped_and_empty_documents_ignored():
    body = "---\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n---\n" + netpol("podSelector: {}\n")
    imported = import_manifests(body)
    assert [(s.document, s.kind, s.name) for s in imported.skipped] == [(2, "ConfigMap", "c")]


def test_hostile_yaml_is_refused_early():
    bomb = 'a: &a ["x","x"]\nb: [*a, *a]\n'
    assert "anchors and aliases" in errors_of(bomb)[0][2]
    deep = "a: " + "[" * (MAX_DEPTH + 5) + "]" * (MAX_DEPTH + 5) + "\n"
    assert "nested" in errors_of(deep)[0][2]
    assert "not valid YAML" in errors_of("a: [\n")[0][2]
    assert "no documents" in errors_of("# nothing\n")[0][2]


def test_parse_policy_takes_exactly_one_policy():
    assert parse_policy(netpol("podSelector: {}\n")).ref == "prod/p"
    with pytest.raises(ImportFailed):
        parse_policy("apiVersion: v1\nkind: Pod\nmetadata: {name: a}\n")
    with pytest.raises(ImportFailed):
        parse_policy(netpol("podSelector: {}\n") + "---\n" + netpol("podSelector: {}\n", name="q"))


def test_several_files_count_documents_each_and_name_the_file():
    from editor.netpol.importer import import_sources

    pod = "apiVersion: v1\nkind: Pod\nmetadata: {name: a, labels: {app: a}}\n"
    imported = import_sources([("a.yaml", pod), ("b.yaml", "---\n" + pod.replace("name: a", "name: b"))])
    assert [w.ref for w in imported.workloads] == ["default/a", "default/b"]
    with pytest.raises(ImportFailed) as info:
        import_sources([("a.yaml", pod), ("b.yaml", pod + "---\n" + netpol("podSelector: []\n"))])
    ((source, document, path),) = [(e.source, e.document, e.path) for e in info.value.errors]
    assert (source, document, path) == ("b.yaml", 2, "spec.podSelector")
    assert info.value.errors[0].as_dict()["source"] == "b.yaml"


# ---------------------------------------------------------------- JSON bodies (read by json, as YAML reads them)


def json_body(documents: list, **dumps) -> str:
    return "".join(f"---\n{json.dumps(d, **dumps)}\n" for d in documents)


def yaml_read(text: str):
    """What the YAML reader alone makes of a body: its documents, or its errors."""
    try:
        return importer._load_yaml(text)
    except ImportFailed as exc:
        return [(e.document, e.path, e.message) for e in exc.errors]


def read(text: str):
    try:
        return importer.load_documents(text)
    except ImportFailed as exc:
        return [(e.document, e.path, e.message) for e in exc.errors]


@pytest.fixture
def no_yaml_reader(monkeypatch):
    def refuse(text):
        raise AssertionError("the YAML reader was used")

    monkeypatch.setattr(importer, "_load_yaml", refuse)


def test_json_bodies_are_read_without_the_yaml_reader(no_yaml_reader):
    manifests_ = [json.loads(json.dumps(m)) for m in ms.namespace_manifests()]
    for text in (
        json_body(manifests_),
        json_body(manifests_, indent=2),
        json.dumps({"kind": "List", "items": manifests_}),
    ):
        assert [n.name for n in import_manifests(text).namespaces] == ["ns1", "ns2"]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ms.policies(max_size=4), ms.pods(min_size=0, max_size=3), st.sampled_from([None, 2]))
def test_json_and_yaml_bodies_give_the_same_design(original, design_pods, indent):
    yaml_text = ms.body(design_pods, original)
    documents = list(yaml.safe_load_all(yaml_text))
    assert import_manifests(json_body(documents, indent=indent)) == import_manifests(yaml_text)


def test_json_and_yaml_bodies_give_the_same_errors():
    bad = [
        yaml.safe_load(netpol("ingress: [{ports: [{protocol: tcp}]}]\n")),
        {"apiVersion": "v1", "kind": "List", "items": [yaml.safe_load(netpol("egress: [{to: [{}]}]\n", name="Q"))]},
        "not an object",
    ]
    with pytest.raises(ImportFailed) as from_json:
        import_manifests(json_body(bad))
    with pytest.raises(ImportFailed) as from_yaml:
        import_manifests(yaml.safe_dump_all(bad))
    assert from_json.value.errors == from_yaml.value.errors
    assert {(e.document, e.path) for e in from_json.value.errors} == {
        (1, "spec.ingress[0].ports[0].protocol"),
        (2, "items[0].metadata.name"),
        (2, "items[0].spec.egress[0].to[0]"),
        (3, ""),
    }


json_scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=6)
    | st.sampled_from(["1e3", "NaN", "yes", "~", "a: b", "# c", "*x", "&y", "<<", "\u2028", "\x85", "\ufeff", "😀"])
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(json_values, max_size=3),
    st.sampled_from([None, 0, 2]),
    st.booleans(),
    st.sampled_from([(",", ":"), (", ", ": ")]),
)
def test_any_json_body_reads_as_yaml_reads_it(documents, indent, ensure_ascii, separators):
    text = json_body(documents, indent=indent, ensure_ascii=ensure_ascii, separators=separators)
    assert repr(read(text)) == repr(yaml_read(text))


@pytest.mark.parametrize(
    "text",
    [
        '{"a":1e3,"b":1.5e3,"c":1.5e+3,"d":-0.0,"e":1E+2,"f":NaN,"g":-Infinity,"h":12345678901234567890}',
        '{"a":1,"a":2,"b":3}',  # duplicate keys: both refuse them, naming the key
        '{"a":"\\ud83d\\ude00"}',  # YAML refuses surrogate escapes
        '{"' + "k" * 1100 + '":1}',  # libyaml's 1,024-character limit on keys
        '{"' + '\\"' * 600 + '":1}',
        '{"a"\n:1}',  # a key's ':' on the next line
        '{"a" : 1}',
        '{"a":"x\ty"}',
        '{"a":"x\u2028y"}',  # a line break to YAML, inside quotes: folded
        '\ufeff{"a":1}',
        '---\n{"a":1}\n---\n---\nnull\n',
        '{"a":1}\n---',
        "\n---\n[-1,\n-2\n]",
        "--- {}\n",
        '---\n{"a":1}\n...\n',
        '{"a":[1,2,]}',
        '{"a":1}\n# a comment\n',
        "---\n[[[" + "1" * 5000 + "]]]",  # an int Python will not build
        "---\n" + "[" * MAX_DEPTH + "]" * MAX_DEPTH,
        "---\n" + "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1),
        '{"a":"[[[[["}',
        "",
        "---\n",
    ],
)
def test_json_where_yaml_could_read_it_differently_is_read_as_yaml_reads_it(text):
    assert repr(read(text)) == repr(yaml_read(text))


def test_hostile_json_is_refused_like_hostile_yaml():
    deep = "---\n" + "[" * (MAX_DEPTH + 5) + "]" * (MAX_DEPTH + 5) + "\n"
    assert "nested" in errors_of(deep)[0][2]
    many = "---\n{}\n" * (importer.MAX_DOCUMENTS + 1)
    assert errors_of(many) == [
        (importer.MAX_DOCUMENTS + 1, "", importer.ERR_TOO_MANY.format(limit=importer.MAX_DOCUMENTS))
    ]


def test_a_value_python_cannot_build_is_an_import_error_not_a_crash():
    (error,) = errors_of("---\nport: " + "1" * 5000 + "\n")
    assert error[0] == 1 and "cannot be read" in error[2]


# ---------------------------------------------------------------- kept policies read back


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ms.policies(max_size=4))
def test_a_kept_manifest_reads_back_as_the_policy_it_was_rendered_from(original):
    for manifest in original:
        policy = policy_from_manifest(manifest)
        importer._READ_BACK.clear()
        assert policy_from_manifest(importer.kept_manifest(policy)) == policy  # remembered
        importer._READ_BACK.clear()
        assert policy_from_manifest(policy_manifest(policy)) == policy  # validated again: the same


def test_an_invalid_stored_manifest_is_refused_every_time():
    manifest = yaml.safe_load(netpol("ingress: [{ports: [{protocol: tcp}]}]\n"))
    for _ in range(2):
        with pytest.raises(ImportFailed):
            policy_from_manifest(manifest)


# ---------------------------------------------------------------- YAML in one pass (else the reference reader)


def read_with(reader, text: str):
    try:
        return reader(text)
    except ImportFailed as exc:
        return [(e.document, e.path, e.message) for e in exc.errors]


yaml_scalars = json_scalars | st.sampled_from(
    ["2020-01-01", "0o17", "017", "0x1F", "1_000", "190:20:30", ".inf", "-.5", "=", "", "null", "No"]
)
yaml_values = st.recursive(
    yaml_scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(yaml_scalars, inner, max_size=3),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(yaml_values, max_size=3), st.sampled_from([None, True, False]), st.booleans())
def test_any_yaml_body_reads_in_one_pass_as_the_reference_reader_reads_it(documents, flow, explicit_start):
    text = yaml.safe_dump_all(documents, default_flow_style=flow, explicit_start=explicit_start, allow_unicode=True)
    once = read_with(importer._load_yaml_once, text)
    assert once is not None  # what yaml.safe_dump writes (no timestamps here) is read in one pass
    assert repr(once) == repr(read_with(importer._load_yaml_twice, text))


@pytest.mark.parametrize(
    "text",
    [
        "a: !!str 1\n",
        "a: !foo x\n",
        "!!map {a: 1}\n",
        "!!python/object/apply:os.system ['true']\n",
        "a: 2020-01-01\n",
        "a: 2020-13-45\n",
        "<<: {a: 1}\nb: 2\n",
        "= : 1\n",
        "? [a]\n: b\n",
        "{[a]: b}\n",
        "port: " + "1" * 5000 + "\n",
        "a: &x 1\nb: *x\n",
        "---\n- &a x\n",
        "a: [\n",
        "kind: [unclosed\n",
        "\ta: 1\n",
        "---\na: 1\n---\n---\nb: 2\n",
        "a: 1\na: 2\n",
        "a: " + "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1),
        "- " * (MAX_DEPTH + 1) + "x\n",
        "a: 0o17\nb: 017\nc: 0x1F\nd: 1_000\ne: 190:20:30\nf: .inf\ng: -.5\nh: yes\ni: ~\nj: ''\nk:\n",
        "%YAML 1.1\n---\na: 1\n",
        "a: b\n...\n---\nc: d\n",
        "? a\n? b\n",
        "a: \"x\"\n'b': 'y'\n",
        "",
        "# only a comment\n",
    ],
)
def test_yaml_the_one_pass_reader_leaves_or_refuses_is_decided_as_the_reference_reader_decides(text):
    assert repr(read_with(importer._load_yaml, text)) == repr(read_with(importer._load_yaml_twice, text))


def test_too_many_yaml_documents_are_refused_in_one_pass_as_before():
    text = "---\na: 1\n" * (importer.MAX_DOCUMENTS + 1)
    assert read_with(importer._load_yaml_once, text) == read_with(importer._load_yaml_twice, text)
    assert read_with(importer._load_yaml_once, text)[0][0] == importer.MAX_DOCUMENTS + 1


def test_a_peer_or_port_repeated_across_policies_reports_every_error_with_its_own_place():
    good = "{from: [{ipBlock: {cidr: 10.0.0.0/8}}], ports: [{port: 80}]}"
    bad = "{from: [{ipBlock: {cidr: 10.0.0.5}}, {podSelector: {matchLabels: {app: a b}}}], ports: [{protocol: tcp}]}"
    body = "---\n".join(
        [
            netpol(f"ingress: [{good}]\n", "a"),
            netpol(f"ingress: [{bad}]\n", "b"),
            netpol(f"ingress: [{good}, {bad}]\n", "c"),
        ]
    )
    found = errors_of(body)
    assert {(d, p) for d, p, _ in found} == {
        (2, "spec.ingress[0].from[0].ipBlock.cidr"),
        (2, "spec.ingress[0].from[1].podSelector.matchLabels.app"),
        (2, "spec.ingress[0].ports[0].protocol"),
        (3, "spec.ingress[1].from[0].ipBlock.cidr"),
        (3, "spec.ingress[1].from[1].podSelector.matchLabels.app"),
        (3, "spec.ingress[1].ports[0].protocol"),
    }
    (a, c) = import_manifests(body.replace(bad, good)).policies[0:3:2]
    assert a.ingress[0] == c.ingress[0] == c.ingress[1]
