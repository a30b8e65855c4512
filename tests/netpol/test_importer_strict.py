"""Import accepts exactly what the API server accepts under kubectl's strict field validation (issue 11).

Table-driven cases are taken from the API server's own validation tests, named where they come from:
- kubernetes/kubernetes pkg/apis/networking/validation/validation_test.go (TestValidateNetworkPolicy);
- kubernetes/kubernetes staging/src/k8s.io/apimachinery/pkg/util/validation/validation_test.go
  (TestIsDNS1123Label, TestIsDNS1123Subdomain, TestIsQualifiedName, TestIsValidLabelValue, TestIsValidPortName);
- kubernetes/kubernetes staging/src/k8s.io/apimachinery/pkg/api/validation/ (ValidateObjectMeta, annotations).
"""

from __future__ import annotations

import json
import textwrap

import pytest
import yaml

from editor.netpol import importer
from editor.netpol.importer import ImportFailed, import_manifests


def errors_of(text: str) -> list[tuple[int, str, str]]:
    with pytest.raises(ImportFailed) as info:
        import_manifests(textwrap.dedent(text))
    return [(e.document, e.path, e.message) for e in info.value.errors]


def policy(spec: dict | None = None, metadata: dict | None = None, **top) -> dict:
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": "foo", "namespace": "bar"} if metadata is None else metadata,
        "spec": {"podSelector": {}} if spec is None else spec,
        **top,
    }


def body(*objects: dict) -> str:
    return yaml.safe_dump_all(list(objects), sort_keys=False)


# ---------------------------------------------------------------- unknown fields and duplicate keys


@pytest.mark.parametrize(
    ("document", "path"),
    [
        ({**policy(), "sepc": {"podSelector": {}}}, "sepc"),
        (policy(metadata={"name": "foo", "namespaceSelector": {}}), "metadata.namespaceSelector"),
        (policy(metadata={"name": "foo", "clusterName": "x"}), "metadata.clusterName"),  # removed in 1.25
        (policy({"podSelector": {}, "ingres": []}), "spec.ingres"),
        (policy({"podSelector": {"matchLabel": {"a": "b"}}}), "spec.podSelector.matchLabel"),
        (
            {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "a"}, "spec": {"containers": [], "contaners": []}},
            "spec.contaners",
        ),
        (
            {
                "apiVersion": "apps/v1",
                "kind": "Deployment",
                "metadata": {"name": "a"},
                "spec": {"template": {"metadata": {"lables": {"app": "a"}}}},
            },
            "spec.template.metadata.lables",
        ),
        (
            {
                "apiVersion": "apps/v1",
                "kind": "Deployment",
                "metadata": {"name": "a"},
                "spec": {"template": {"spec": {"containers": [{"name": "c", "ports": [{"nme": "x"}]}]}}},
            },
            "spec.template.spec.containers[0].ports[0].nme",
        ),
        (
            {
                "apiVersion": "batch/v1",
                "kind": "CronJob",
                "metadata": {"name": "a"},
                "spec": {"schedule": "* * * * *", "jobTemplate": {"spec": {"templates": {}}}},
            },
            "spec.jobTemplate.spec.templates",
        ),
        ({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "a"}, "spec": {"finalizer": []}},
         "spec.finalizer"),
        ({"apiVersion": "v1", "kind": "List", "items": [], "item": []}, "item"),
    ],
)  # fmt: skip
def test_unknown_fields_are_refused_with_their_path(document, path):
    found = errors_of(body(document))
    assert any(p == path and "Unknown field" in m for _, p, m in found), found


def test_a_typo_says_which_field_was_meant():
    ((_, path, message),) = errors_of(body({**policy(), "sepc": {}}))
    assert path == "sepc" and "did you mean 'spec'" in message


def test_what_kubectl_get_prints_is_accepted():
    live = policy(
        metadata={
            "name": "foo",
            "namespace": "bar",
            "uid": "8f0c2b1e-0000-0000-0000-000000000000",
            "resourceVersion": "123",
            "generation": 1,
            "creationTimestamp": "2024-01-01T00:00:00Z",
            "annotations": {"kubectl.kubernetes.io/last-applied-configuration": '{"x": 1}\n'},
            "managedFields": [{"manager": "kubectl", "operation": "Update"}],
        }
    )
    assert [p.ref for p in import_manifests(body(live)).policies] == ["bar/foo"]


@pytest.mark.parametrize(
    ("text", "path"),
    [
        ("apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\nmetadata: {name: b}\n", "metadata"),
        (
            "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: a}\n"
            "spec:\n  podSelector:\n    matchLabels: {app: a, app: b}\n",
            "spec.podSelector.matchLabels.app",
        ),
        ("apiVersion: v1\nkind: List\nitems:\n- {kind: Namespace, kind: Pod}\n", "items[0].kind"),
        ('{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "a", "name": "b"}}', "metadata.name"),
        ('---\n{"apiVersion": "v1", "kind": "List", "items": [{"a": 1, "b": {"c": 1, "c": 2}}]}\n', "items[0].b.c"),
    ],
)
def test_duplicate_keys_are_refused_with_their_path_in_yaml_and_json(text, path):
    ((document, found_path, message),) = errors_of(text)
    assert (document, found_path) == (1, path) and "appears twice" in message


def test_duplicate_keys_are_found_by_every_reader_alike():
    text = "a: 1\nb:\n- {c: 1}\n- {c: 1, d: 2, c: 3}\n"
    answers = []
    for reader in (importer._load_yaml_once, importer._load_yaml_twice, importer.load_documents):
        with pytest.raises(ImportFailed) as info:
            reader(text)
        answers.append(info.value.errors)
    assert answers[0] == answers[1] == answers[2]
    assert answers[0][0].path == "b[1].c"


# ---------------------------------------------------------------- status, typed lists, null label values


def test_a_network_policy_status_is_dropped_with_a_note():
    imported = import_manifests(body(policy(status={"conditions": []})))
    assert [p.ref for p in imported.policies] == ["bar/foo"]
    (note,) = imported.notes
    assert (note.document, note.path, note.code, note.subject) == (1, "status", "status-dropped", "bar/foo")
    finding = note.as_finding()
    assert finding.code == "status-dropped" and "dropped" in finding.message


def test_typed_lists_give_their_items_kind_and_api_version():
    pods = {
        "apiVersion": "v1",
        "kind": "PodList",
        "metadata": {"resourceVersion": "42"},
        "items": [
            {"metadata": {"name": "web", "namespace": "prod", "labels": {"app": "web"}}, "spec": {"containers": []}}
        ],
    }
    deployments = {
        "apiVersion": "apps/v1",
        "kind": "DeploymentList",
        "items": [
            {
                "metadata": {"name": "api", "namespace": "prod"},
                "spec": {"template": {"metadata": {"labels": {"app": "api"}}}},
            }
        ],
    }
    namespaces = {
        "apiVersion": "v1",
        "kind": "NamespaceList",
        "items": [{"metadata": {"name": "prod", "labels": {"t": "x"}}}],
    }
    imported = import_manifests(body(pods, deployments, namespaces))
    assert [w.ref for w in imported.workloads] == ["prod/api", "prod/web"]
    assert dict(imported.namespaces[0].labels) == {"t": "x"}


def test_null_label_values_read_as_empty_like_the_api_server():
    text = (
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: a}\n"
        "spec:\n  podSelector:\n    matchLabels: {app: }\n---\n"
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  labels: {tier: }\nspec: {containers: []}\n"
    )
    imported = import_manifests(text)
    assert dict(imported.policies[0].pod_selector.match_labels) == {"app": ""}
    assert dict(imported.workloads[0].labels) == {"tier": ""}


# ---------------------------------------------------------------- metadata as ValidateObjectMeta


def test_an_invalid_generate_name_is_blamed_on_generate_name():
    found = errors_of(body(policy(metadata={"generateName": "Bad_"})))
    assert [p for _, p, _ in found] == ["metadata.generateName"]


def test_a_generate_name_with_a_trailing_dash_is_a_valid_prefix():
    imported = import_manifests(body(policy(metadata={"generateName": "allow-", "namespace": "bar"})))
    assert [p.ref for p in imported.policies] == ["bar/allow-generated"]


@pytest.mark.parametrize(
    ("metadata", "path"),
    [
        ({"name": "foo", "labels": {"app": "a" * 64}}, "metadata.labels.app"),
        ({"name": "foo", "labels": {"app": "-x"}}, "metadata.labels.app"),
        ({"name": "foo", "labels": {"app\n": "x"}}, "metadata.labels.app\n"),
        ({"name": "foo", "annotations": {"bad key!": "x"}}, "metadata.annotations"),
        ({"name": "foo", "annotations": {"/x": "x"}}, "metadata.annotations"),
        ({"name": "foo", "annotations": {"a": "x" * (256 * 1024)}}, "metadata.annotations"),
        ({"name": "foo", "annotations": {"a": 1}}, "metadata.annotations"),
        ({"name": "foo", "namespace": "Bar"}, "metadata.namespace"),
        ({"name": "foo\n"}, "metadata.name"),
        ({}, "metadata.name"),
    ],
)
def test_metadata_is_validated_like_the_api_server(metadata, path):
    found = errors_of(body(policy(metadata=metadata)))
    assert path in [p for _, p, _ in found], found


def test_annotation_keys_may_have_upper_case_and_values_are_free_text():
    metadata = {"name": "foo", "annotations": {"Example.com/Owner": "Team A\nsecond line", "note": None}}
    assert import_manifests(body(policy(metadata=metadata))).policies


# ---------------------------------------------------------------- names (apimachinery validation_test.go)

# TestIsDNS1123Subdomain: good and bad values, used as NetworkPolicy names
DNS1123_SUBDOMAIN_GOOD = [
    "a",
    "ab",
    "a-1",
    "a--1--2--b",
    "0",
    "012",
    "1-a",
    "a.a",
    "a--1--2--b.1",
    "1.2.3.4.5",
    "a" * 253,
]
DNS1123_SUBDOMAIN_BAD = [
    "A", "aBc", "-", "a-", "-a", "_", "a_b", ".", "a.", ".a", "a..b", " ", "a b",
    "A.a", "a.B.c.d.e", "a@b", "a,b", "a;b", "a:b", "a%b", "a?b", "a$b", "a" * 254, "a\n", "a\x00",
]  # fmt: skip


@pytest.mark.parametrize("name", DNS1123_SUBDOMAIN_GOOD)
def test_policy_names_kubernetes_accepts(name):
    assert import_manifests(body(policy(metadata={"name": name}))).policies[0].name == name


@pytest.mark.parametrize("name", DNS1123_SUBDOMAIN_BAD)
def test_policy_names_kubernetes_refuses(name):
    assert [p for _, p, _ in errors_of(body(policy(metadata={"name": name})))] == ["metadata.name"]


# TestIsDNS1123Label, used as namespace names
@pytest.mark.parametrize("name", ["a", "a--1--2--b", "0", "1--a--b--2", "a" * 63])
def test_namespace_names_kubernetes_accepts(name):
    namespace = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}
    assert import_manifests(body(namespace)).namespaces[0].name == name


@pytest.mark.parametrize("name", ["A", "a.b", "a-", "_a", "1_2", "a b", "a" * 64, "a\n"])
def test_namespace_names_kubernetes_refuses(name):
    namespace = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}
    assert [p for _, p, _ in errors_of(body(namespace))] == ["metadata.name"]


# TestIsQualifiedName and TestIsValidLabelValue, used as a selector's matchLabels
QUALIFIED_GOOD = [
    "simple", "now-with-dashes", "1-starts-with-num", "1234", "simple/simple", "now.with.dots/simple",
    "1-num.2-num/3-num", "1.2.3.4/5678", "Uppercase_Is_OK_123", "example.com/Uppercase_Is_OK_123",
    "requests.storage-foo", "a" * 63, "a" * 253 + "/" + "b" * 63,
]  # fmt: skip
QUALIFIED_BAD = [
    "nospecialchars%^=@", "cantendwithadash-", "-cantstartwithadash-", "only/one/slash", "Example.com/abc",
    "example_com/abc", "example.com/", "/simple", "a" * 64, "a" * 254 + "/abc", "NoUppercaseOrSpecialCharsLike=Equals",
    "app\n",
]  # fmt: skip
LABEL_VALUE_GOOD = ["simple", "now-with-dashes", "1-starts-with-num", "end-with-num-1", "1234", "a" * 63, ""]
LABEL_VALUE_BAD = [
    "nospecialchars%^=@", "Tama-nui-te-rā.is.Māori.sun", "\\backslashes\\are\\bad", "-starts-with-dash",
    "ends-with-dash-", ".starts.with.dot", "ends.with.dot.", "a" * 64, "x\n", "x\x00",
]  # fmt: skip


@pytest.mark.parametrize("key", QUALIFIED_GOOD)
def test_label_keys_kubernetes_accepts(key):
    assert import_manifests(body(policy({"podSelector": {"matchLabels": {key: "x"}}}))).policies


@pytest.mark.parametrize("key", QUALIFIED_BAD)
def test_label_keys_kubernetes_refuses(key):
    found = errors_of(body(policy({"podSelector": {"matchLabels": {key: "x"}}})))
    assert [p for _, p, _ in found] == [f"spec.podSelector.matchLabels.{key}"]


@pytest.mark.parametrize("value", LABEL_VALUE_GOOD)
def test_label_values_kubernetes_accepts(value):
    assert import_manifests(body(policy({"podSelector": {"matchLabels": {"k": value}}}))).policies


@pytest.mark.parametrize("value", LABEL_VALUE_BAD)
def test_label_values_kubernetes_refuses(value):
    found = errors_of(body(policy({"podSelector": {"matchLabels": {"k": value}}})))
    assert [p for _, p, _ in found] == ["spec.podSelector.matchLabels.k"]


# TestIsValidPortName, used as a rule's named port
@pytest.mark.parametrize("name", ["telnet", "re-mail-ck", "pop3", "a", "a-1", "1-a", "a-1-b-2-c", "1-a-2-b-3"])
def test_port_names_kubernetes_accepts(name):
    assert import_manifests(body(policy({"podSelector": {}, "ingress": [{"ports": [{"port": name}]}]}))).policies


@pytest.mark.parametrize(
    "name", ["longerthan15characters", "a" * 16, "1-2-3-4", "-begin", "end-", "two--hyphens", "whois++", "http\n"]
)
def test_port_names_kubernetes_refuses(name):
    found = errors_of(body(policy({"podSelector": {}, "ingress": [{"ports": [{"port": name}]}]})))
    assert [p for _, p, _ in found] == ["spec.ingress[0].ports[0].port"]


# ---------------------------------------------------------------- NetworkPolicy (networking validation_test.go)


@pytest.mark.parametrize(
    "spec",
    [
        {"podSelector": {"matchLabels": {"a": "b"}}, "ingress": []},
        {"podSelector": {"matchLabels": {"a": "b"}}, "ingress": [{"from": [], "ports": []}]},
        {"podSelector": {}, "ingress": [{"ports": [{"port": 80}, {"protocol": "TCP"}, {"protocol": "TCP", "port": 443},
                                                   {"protocol": "UDP", "port": "dns"}]}]},
        {"podSelector": {}, "ingress": [{"from": [{"podSelector": {"matchLabels": {"c": "d"}},
                                                   "namespaceSelector": {"matchLabels": {"c": "d"}}}]}]},
        {"podSelector": {}, "ingress": [{"from": [{"ipBlock": {"cidr": "192.168.0.0/16", "except": ["192.168.3.0/24",
                                                                                                  "192.168.4.0/24"]}}]}]},
        {"podSelector": {}, "egress": [{"to": [{"ipBlock": {"cidr": "fd00:192:168::/48",
                                                            "except": ["fd00:192:168:3::/64"]}}]}]},
        {"podSelector": {}, "egress": [{"ports": [{"port": 32000, "endPort": 32768}]}], "policyTypes": ["Egress"]},
        {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]},
        {"podSelector": {}, "egress": [{"to": [{"ipBlock": {"cidr": "192.168.1.1/24"}}]}]},  # host bits: legacy
        {"podSelector": {}, "egress": [{"to": [{"ipBlock": {"cidr": "010.0.0.0/8", "except": ["010.001.0.0/016"]}}]}]},
    ],
)  # fmt: skip
def test_network_policies_the_api_server_accepts(spec):
    assert import_manifests(body(policy(spec))).policies


@pytest.mark.parametrize(
    ("spec", "path"),
    [
        ({"podSelector": {"matchLabels": {"NoUppercaseOrSpecialCharsLike=Equals": "b"}}},
         "spec.podSelector.matchLabels.NoUppercaseOrSpecialCharsLike=Equals"),
        ({"podSelector": {}, "ingress": [{"ports": [{"protocol": "ICMP", "port": 80}]}]},
         "spec.ingress[0].ports[0].protocol"),
        ({"podSelector": {}, "ingress": [{"ports": [{"protocol": "TCP", "port": 123456789}]}]},
         "spec.ingress[0].ports[0].port"),
        ({"podSelector": {}, "ingress": [{"ports": [{"protocol": "TCP", "port": "!@#$"}]}]},
         "spec.ingress[0].ports[0].port"),
        ({"podSelector": {}, "ingress": [{"from": [{"ipBlock": {"cidr": ""}}]}]},
         "spec.ingress[0].from[0].ipBlock.cidr"),
        ({"podSelector": {}, "ingress": [{"from": [{"ipBlock": {"cidr": "192.168.5.6"}}]}]},
         "spec.ingress[0].from[0].ipBlock.cidr"),
        ({"podSelector": {}, "ingress": [{"from": [{"ipBlock": {"cidr": "192.168.8.0/24", "except": [""]}}]}]},
         "spec.ingress[0].from[0].ipBlock.except[0]"),
        ({"podSelector": {}, "ingress": [{"from": [{"ipBlock": {"cidr": "192.168.8.0/24",
                                                                "except": ["192.168.9.1/32"]}}]}]},
         "spec.ingress[0].from[0].ipBlock.except[0]"),
        ({"podSelector": {}, "ingress": [{"from": [{"ipBlock": {"cidr": "192.168.0.0/24",
                                                                "except": ["192.168.0.0/24"]}}]}]},
         "spec.ingress[0].from[0].ipBlock.except[0]"),
        ({"podSelector": {}, "egress": [{"to": [{"ipBlock": {"cidr": "fd00:192:168::/48",
                                                             "except": ["fd00:192:169:3::/64"]}}]}]},
         "spec.egress[0].to[0].ipBlock.except[0]"),
        ({"podSelector": {}, "policyTypes": ["foo", "bar"]}, "spec.policyTypes[0]"),
        ({"podSelector": {}, "policyTypes": ["Egress", "Ingress", "foo"]}, "spec.policyTypes"),
        ({"podSelector": {}, "egress": [{"ports": [{"port": 35000, "endPort": 32768}]}]},
         "spec.egress[0].ports[0].endPort"),
        ({"podSelector": {}, "egress": [{"ports": [{"port": "https", "endPort": 32768}]}]},
         "spec.egress[0].ports[0].endPort"),
        ({"podSelector": {}, "egress": [{"ports": [{"endPort": 32768}]}]}, "spec.egress[0].ports[0].endPort"),
        ({"podSelector": {}, "egress": [{"ports": [{"port": 32000, "endPort": 65536}]}]},
         "spec.egress[0].ports[0].endPort"),
        ({"podSelector": {}, "egress": [{"to": [{"ipBlock": {"cidr": "10.0.0.0/8"}, "podSelector": {}}]}]},
         "spec.egress[0].to[0]"),
        ({"podSelector": {}, "egress": [{"to": [{"ipBlock": {"cidr": "256.0.0.0/8"}}]}]},
         "spec.egress[0].to[0].ipBlock.cidr"),
        ({"podSelector": {}, "egress": [{"to": [{"ipBlock": {"cidr": "10.0.0.0/33"}}]}]},
         "spec.egress[0].to[0].ipBlock.cidr"),
        ({"podSelector": {}, "egress": [{"to": [{"ipBlock": {"cidr": "10.0.0.0/255.0.0.0"}}]}]},
         "spec.egress[0].to[0].ipBlock.cidr"),
        ({"podSelector": {}, "egress": [{"to": [{"ipBlock": {"cidr": "10.0.0.0/٨"}}]}]},
         "spec.egress[0].to[0].ipBlock.cidr"),
        ({"podSelector": {}, "egress": [{"to": [{"ipBlock": {"cidr": "10.0.0.0/8\n"}}]}]},
         "spec.egress[0].to[0].ipBlock.cidr"),
        ({"podSelector": {}, "egress": [{"to": [{"ipBlock": {"cidr": "fe80::/10%eth0"}}]}]},
         "spec.egress[0].to[0].ipBlock.cidr"),
    ],
)  # fmt: skip
def test_network_policies_the_api_server_refuses(spec, path):
    found = errors_of(body(policy(spec)))
    assert path in [p for _, p, _ in found], found


def test_legacy_leading_zeros_read_as_the_api_server_reads_them():
    spec = {"podSelector": {}, "egress": [{"to": [{"ipBlock": {"cidr": "010.0.0.0/08", "except": ["010.1.0.0/16"]}}]}]}
    (imported,) = import_manifests(body(policy(spec))).policies
    block = imported.egress[0].peers[0].ip_block
    assert (block.cidr, block.except_) == ("10.0.0.0/8", ("10.1.0.0/16",))  # decimal, as ParseCIDRSloppy reads it


def test_a_pod_ip_with_leading_zeros_is_read_as_decimal():
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "a"}, "status": {"podIP": "010.000.000.005"}}
    assert import_manifests(body(pod)).workloads[0].ip == "10.0.0.5"


def test_the_json_reader_refuses_what_the_yaml_reader_refuses():
    documents = [policy(metadata={"name": "foo", "namespaceSelector": {}}), {**policy(), "sepc": {}}]
    as_json = "".join(f"---\n{json.dumps(d)}\n" for d in documents)
    assert errors_of(as_json) == errors_of(body(*documents))
