"""Shapes of the API (``docs/api.md``).  Meaning is checked by the services."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from editor import models

PROTOCOL_ERRORS = {"invalid_choice": '"{input}" is not a protocol: use TCP, UDP or SCTP, in upper case.'}


class DesignSerializer(serializers.ModelSerializer):
    owner = serializers.SerializerMethodField(help_text="The owner's username.")
    access = serializers.SerializerMethodField(help_text="Your access: owner, editor (read and change) or viewer.")

    class Meta:
        model = models.Design
        fields = [
            "id",
            "name",
            "description",
            "isolate_ingress",
            "isolate_egress",
            "dns",
            "revision",
            "created",
            "updated",
            "owner",
            "access",
        ]
        read_only_fields = ["id", "revision", "created", "updated", "owner", "access"]
        extra_kwargs = {"name": {"validators": []}, "description": {"required": False}}

    def get_owner(self, obj) -> str:
        return obj.owner.get_username()

    @extend_schema_field({"type": "string", "enum": ["owner", "editor", "viewer"]})
    def get_access(self, obj) -> str:
        access = getattr(obj, "access", None)  # set by the selectors
        return access or "owner"


class NamespaceSerializer(serializers.ModelSerializer):
    labels = serializers.DictField(child=serializers.CharField(allow_blank=True, trim_whitespace=False), required=False)

    class Meta:
        model = models.Namespace
        fields = ["id", "name", "labels"]
        read_only_fields = ["id"]
        extra_kwargs: dict[str, dict[str, object]] = {"name": {"validators": []}}

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["labels"] = {**instance.labels, "kubernetes.io/metadata.name": instance.name}
        return data


class ContainerPortSerializer(serializers.Serializer):
    name = serializers.CharField()
    port = serializers.IntegerField()
    protocol = serializers.ChoiceField(["TCP", "UDP", "SCTP"], default="TCP", error_messages=PROTOCOL_ERRORS)


class WorkloadSerializer(serializers.ModelSerializer):
    namespace = serializers.CharField(help_text="The namespace's name; created when the design lacks it.")
    ref = serializers.SerializerMethodField()
    labels = serializers.DictField(
        child=serializers.CharField(allow_blank=True, trim_whitespace=False),
        required=False,
        help_text='Default: {"app": "<name>"}.',
    )
    ports = ContainerPortSerializer(many=True, required=False)

    class Meta:
        model = models.Workload
        fields = ["id", "namespace", "name", "ref", "labels", "ports", "x", "y"]
        read_only_fields = ["id", "ref"]
        extra_kwargs: dict[str, dict[str, object]] = {"name": {"validators": []}}

    def get_ref(self, obj) -> str:
        return obj.ref

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["namespace"] = instance.namespace.name
        return data


class ExternalSerializer(serializers.ModelSerializer):
    class Meta:
        model = models.External
        fields = ["id", "name", "cidr", "fqdn", "x", "y"]
        read_only_fields = ["id"]
        extra_kwargs = {
            "name": {"validators": []},
            "cidr": {"validators": [], "help_text": "An IP range; exactly one of cidr and fqdn."},
            "fqdn": {
                "validators": [],
                "help_text": "A DNS name (api.stripe.com) or a pattern with one leading '*.' label; "
                "exactly one of cidr and fqdn.",
            },
        }


# "except" is a Python keyword: declare the field by name.
ExternalSerializer._declared_fields["except"] = serializers.ListField(
    child=serializers.CharField(),
    source="except_cidrs",
    required=False,
    help_text="CIDRs carved out of cidr.",
)
ExternalSerializer.Meta.fields = [*ExternalSerializer.Meta.fields, "except"]


class EndpointSerializer(serializers.Serializer):
    workload = serializers.CharField(required=False, help_text="<namespace>/<name>")
    namespace = serializers.CharField(required=False, help_text="Every pod of this namespace.")
    external = serializers.CharField(required=False, help_text="An external peer's name.")

    def validate(self, attrs):
        if len(attrs) != 1:
            raise serializers.ValidationError(
                'Give exactly one of "workload", "namespace" or "external", e.g. {"workload": "prod/api"}.'
            )
        return attrs


@extend_schema_field({"oneOf": [{"type": "integer", "minimum": 1, "maximum": 65535}, {"type": "string"}]})
class PortNumberOrNameField(serializers.Field):
    default_error_messages = {"invalid": "A port is a number from 1 to 65535 or a port name such as 'http'."}

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int | str):
            self.fail("invalid")
        return data

    def to_representation(self, value):
        return value


class RulePortSerializer(serializers.Serializer):
    protocol = serializers.ChoiceField(["TCP", "UDP", "SCTP"], default="TCP", error_messages=PROTOCOL_ERRORS)
    port = PortNumberOrNameField()
    end_port = serializers.IntegerField(required=False, help_text="With a numeric port: the range's last port.")


class FlowSerializer(serializers.ModelSerializer):
    source = EndpointSerializer()
    destination = EndpointSerializer()
    ports = RulePortSerializer(many=True, required=False, help_text="Empty or left out: all ports.")

    class Meta:
        model = models.Flow
        fields = ["id", "source", "destination", "ports"]
        read_only_fields = ["id"]

    def to_representation(self, instance):
        return {
            "id": instance.pk,
            "source": _endpoint(instance, "source"),
            "destination": _endpoint(instance, "destination"),
            "ports": instance.ports,
        }


def _endpoint(flow: models.Flow, side: str) -> dict[str, str]:
    kind, _ = flow.endpoint(side)
    return {kind: flow.endpoint_ref(side)}


class FindingSerializer(serializers.Serializer):
    code = serializers.CharField()
    severity = serializers.ChoiceField(["error", "warning", "info"])
    message = serializers.CharField()
    subject = serializers.CharField()


@extend_schema_field(OpenApiTypes.OBJECT)
class ManifestField(serializers.DictField):
    pass


class ManifestsSerializer(serializers.Serializer):
    manifests = serializers.ListField(
        child=ManifestField(),
        help_text="networking.k8s.io/v1 NetworkPolicies; with ?target=cilium cilium.io/v2 CiliumNetworkPolicies; "
        "with ?target=netassert the netassert v2 tests.",
    )


class TargetErrorSerializer(serializers.Serializer):
    """A 400: each field that is wrong, with what to do."""

    target = serializers.ListField(child=serializers.CharField(), required=False)
