"""Import, reachability, the truth table and connections: ``../shared/spec/api-v1.md`` "Import" and "Reachability".

Views parse, call one service or selector, and answer.  Import errors have the contract's shape
``{"errors": [{"document": N, "path": "spec....", "message": "..."}]}``.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.parsers import BaseParser
from rest_framework.response import Response
from rest_framework.views import APIView

from editor import selectors, services
from editor.netpol import analyze, importer
from editor.netpol.model import PROTOCOLS

DEFAULT_IMPORT_NAME = "Imported design"


# ---------------------------------------------------------------- parsing a YAML body


class YAMLParser(BaseParser):
    """Hands the raw body (bytes) to the view; reads at most ``importer.MAX_BYTES`` + 1 bytes."""

    media_type = "application/yaml"

    def parse(self, stream, media_type=None, parser_context=None):
        if stream is None:
            return b""
        return stream.read(importer.MAX_BYTES + 1)


class XYAMLParser(YAMLParser):
    media_type = "application/x-yaml"


class TextYAMLParser(YAMLParser):
    media_type = "text/yaml"


class PlainTextParser(YAMLParser):
    media_type = "text/plain"


# ---------------------------------------------------------------- shapes (for the schema)


class DocumentErrorSerializer(serializers.Serializer):
    document = serializers.IntegerField(help_text="Counts from 1 in the order of the body (0: the query string).")
    path = serializers.CharField(help_text="The field inside the document, e.g. spec.ingress[0].from[1].ipBlock.")
    message = serializers.CharField(help_text="What is wrong, the Kubernetes rule it breaks, and the fix.")


class ImportErrorsSerializer(serializers.Serializer):
    errors = DocumentErrorSerializer(many=True)


class SkippedSerializer(serializers.Serializer):
    document = serializers.IntegerField()
    path = serializers.CharField(help_text="items[N] for an item of a List, else empty.")
    kind = serializers.CharField()
    name = serializers.CharField()


class ImportAnswerSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="The new design's id.")
    skipped = SkippedSerializer(many=True, help_text="Documents of kinds import does not use.")


class RuleRefSerializer(serializers.Serializer):
    policy = serializers.CharField()
    rule = serializers.IntegerField(help_text="Index of the rule in the policy's list for this direction (from 0).")


class SideSerializer(serializers.Serializer):
    allowed = serializers.BooleanField()
    policies = serializers.ListField(
        child=serializers.CharField(),
        help_text="<namespace>/<name> of the policies that select this side's pod for this direction, sorted.",
    )
    explanation = serializers.CharField(required=False, help_text="Only with ?explain=true.")
    rules = RuleRefSerializer(many=True, required=False, help_text="The rules that allow it; only with ?explain=true.")


class ReachabilitySerializer(serializers.Serializer):
    allowed = serializers.BooleanField(help_text="True only when both sides allow the connection.")
    egress = SideSerializer()
    ingress = SideSerializer()


class MatrixSerializer(serializers.Serializer):
    protocol = serializers.CharField()
    port = serializers.IntegerField()
    workloads = serializers.ListField(child=serializers.CharField(), help_text="Row and column order.")
    egress = serializers.ListField(
        child=serializers.ListField(child=serializers.BooleanField()),
        help_text="egress[i][j]: the egress side of workloads[i] allows i → j.",
    )
    ingress = serializers.ListField(
        child=serializers.ListField(child=serializers.BooleanField()),
        help_text="ingress[i][j]: the ingress side of workloads[j] allows i → j.",
    )
    allowed = serializers.ListField(
        child=serializers.ListField(child=serializers.BooleanField()),
        help_text="allowed[i][j]: both sides allow i → j.",
    )


class ConnectionSerializer(serializers.Serializer):
    source = serializers.CharField()
    destination = serializers.CharField()
    ports = serializers.ListField(child=serializers.CharField(), help_text='e.g. "TCP 5432", "TCP all but 22".')
    policies = serializers.ListField(child=serializers.CharField(), help_text="Policies whose rules allow it.")


# ---------------------------------------------------------------- views


def _import_error_response(errors: list[dict]) -> Response:
    return Response({"errors": errors}, status=status.HTTP_400_BAD_REQUEST)


class DesignImportView(APIView):
    parser_classes = [YAMLParser, XYAMLParser, TextYAMLParser, PlainTextParser]

    @extend_schema(
        operation_id="designs_import",
        parameters=[OpenApiParameter("name", str, description="The new design's name.", required=False)],
        request={"application/yaml": OpenApiTypes.STR},
        responses={
            201: ImportAnswerSerializer,
            400: OpenApiResponse(ImportErrorsSerializer, description="Nothing was saved."),
        },
        examples=[
            OpenApiExample(
                "An invalid except",
                response_only=True,
                status_codes=["400"],
                value={
                    "errors": [
                        {
                            "document": 2,
                            "path": "spec.ingress[0].from[1].ipBlock.except[0]",
                            "message": "except 11.0.0.0/16 is not strictly inside cidr 10.0.0.0/8: ...",
                        }
                    ]
                },
            )
        ],
    )
    def post(self, request):
        """A new design from multi-document YAML (Namespace, Pod, workloads, NetworkPolicy, List)."""
        length = request.META.get("CONTENT_LENGTH") or "0"
        if length.isdigit() and int(length) > importer.MAX_BYTES:
            message = importer.ERR_TOO_LARGE.format(size=int(length), limit=importer.MAX_BYTES)
            return _import_error_response([{"document": 1, "path": "", "message": message}])
        body = request.data
        if not isinstance(body, bytes):
            body = b""
        name = request.query_params.get("name") or DEFAULT_IMPORT_NAME
        try:
            result = services.design_import(owner=request.user, name=name, text=body)
        except importer.ImportFailed as exc:
            return _import_error_response([e.as_dict() for e in exc.errors])
        except DjangoValidationError as exc:
            messages = [m for ms in getattr(exc, "message_dict", {"name": exc.messages}).values() for m in ms]
            return _import_error_response([{"document": 0, "path": "name", "message": m} for m in messages])
        return Response({"id": result.design.pk, "skipped": result.skipped}, status=status.HTTP_201_CREATED)


def _protocol(params) -> str:
    protocol = (params.get("protocol") or "TCP").strip().upper()
    if protocol not in PROTOCOLS:
        raise ValidationError({"protocol": [f"'{params.get('protocol')}' is not a protocol: use TCP, UDP or SCTP."]})
    return protocol


def _required(params, name: str, example: str) -> str:
    value = (params.get(name) or "").strip()
    if not value:
        raise ValidationError({name: [f"'{name}' is required, e.g. {name}={example}."]})
    return value


def _port_number(params) -> int:
    value = _required(params, "port", "5432")
    if not value.isdigit() or not 1 <= int(value) <= 65535:
        raise ValidationError({"port": [f"'{value}' is not a port: give a number from 1 to 65535."]})
    return int(value)


def _loaded(request, pk: int):
    design = selectors.design_get_for(request.user, pk)
    data = selectors.design_state(design)
    return data, data.policies


REF_HELP = "A workload (<namespace>/<name>, e.g. prod/api) or an IP address."


class ReachabilityView(APIView):
    @extend_schema(
        operation_id="designs_reachability",
        parameters=[
            OpenApiParameter("from", str, required=True, description=REF_HELP),
            OpenApiParameter("to", str, required=True, description=REF_HELP),
            OpenApiParameter("port", str, required=True, description="A number, or a named port of the destination."),
            OpenApiParameter("protocol", str, enum=list(PROTOCOLS), description="Default TCP."),
            OpenApiParameter("explain", bool, description="Add each side's explanation and allowing rules."),
        ],
        responses={200: ReachabilitySerializer},
    )
    def get(self, request, pk: int):
        """Can ``from`` reach ``to`` on (protocol, port)?  Both sides must allow it."""
        data, policies = _loaded(request, pk)
        params = request.query_params
        source = _required(params, "from", "prod/api")
        destination = _required(params, "to", "prod/db")
        port = _required(params, "port", "5432")
        protocol = _protocol(params)
        try:
            answer = analyze.reachability(data.graph, policies, source, destination, protocol, port)
        except analyze.UnknownRef as exc:
            field = "port" if "port named" in str(exc) else ("from" if source in str(exc) else "to")
            raise ValidationError({field: [str(exc)]}) from None
        if not 1 <= answer.port <= 65535:
            raise ValidationError({"port": [f"{answer.port} is not a port: give a number from 1 to 65535."]})
        explain = params.get("explain", "").lower() in ("1", "true", "yes")
        return Response(answer.as_dict(explain=explain))


class MatrixView(APIView):
    @extend_schema(
        operation_id="designs_matrix",
        parameters=[
            OpenApiParameter("port", int, required=True, description="A port number."),
            OpenApiParameter("protocol", str, enum=list(PROTOCOLS), description="Default TCP."),
        ],
        responses={200: MatrixSerializer},
    )
    def get(self, request, pk: int):
        """The truth table: every workload × every workload, egress side, ingress side and both."""
        data, policies = _loaded(request, pk)
        port = _port_number(request.query_params)
        protocol = _protocol(request.query_params)
        return Response(analyze.matrix(data.graph, policies, protocol, port).as_dict())


class ConnectionsView(APIView):
    @extend_schema(operation_id="designs_connections", responses={200: ConnectionSerializer(many=True)})
    def get(self, request, pk: int):
        """Workload → workload connections the policies allow, with ports and allowing policies."""
        data = selectors.design_state(selectors.design_get_for(request.user, pk))
        return Response(
            [
                {"source": c.source, "destination": c.destination, "ports": list(c.ports), "policies": list(c.policies)}
                for c in selectors.design_connections(data)
            ]
        )


# ---------------------------------------------------------------- semantic diff since import


class ChangeSerializer(serializers.Serializer):
    source = serializers.CharField()
    destination = serializers.CharField()
    protocol = serializers.CharField()
    port = serializers.CharField(help_text='A port number, or "other": any port no rule names.')


class DiffSerializer(serializers.Serializer):
    added = ChangeSerializer(many=True)
    removed = ChangeSerializer(many=True)


class DiffView(APIView):
    @extend_schema(
        operation_id="designs_diff",
        responses={200: DiffSerializer, 404: OpenApiResponse(description="Not an imported design.")},
    )
    def get(self, request, pk: int):
        """Connections between the design's workloads added and removed since it was imported."""
        design = selectors.design_get_for(request.user, pk)
        diff = selectors.design_import_diff(design, selectors.design_state(design))
        if diff is None:
            raise NotFound("This design was not imported, so there is nothing to compare it with.")

        def rows(changes):
            return [
                {"source": c.source, "destination": c.destination, "protocol": c.protocol, "port": str(c.port)}
                for c in changes
            ]

        return Response({"added": rows(diff.added), "removed": rows(diff.removed)})


# ---------------------------------------------------------------- kept (imported) NetworkPolicies


class KeptPolicySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    namespace = serializers.CharField()
    name = serializers.CharField()
    ref = serializers.CharField(help_text="<namespace>/<name>")
    manifest = serializers.DictField(help_text="The NetworkPolicy, as exported.")


def _kept(row) -> dict:
    return {"id": row.pk, "namespace": row.namespace, "name": row.name, "ref": row.ref, "manifest": row.manifest}


def _text(request) -> str:
    body = request.data
    if not isinstance(body, bytes):
        raise ValidationError({"manifest": ["Send one NetworkPolicy as YAML (Content-Type: application/yaml)."]})
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        raise ValidationError({"manifest": ["The body is not UTF-8 text."]}) from None


YAML_POLICY = {"application/yaml": OpenApiTypes.STR}


class KeptPolicyListView(APIView):
    parser_classes = DesignImportView.parser_classes

    @extend_schema(operation_id="designs_policies_list", responses={200: KeptPolicySerializer(many=True)})
    def get(self, request, pk: int):
        """The NetworkPolicies the design keeps as written (imported or added as YAML)."""
        design = selectors.design_get_for(request.user, pk)
        return Response([_kept(row) for row in design.imported_policies.all()])

    @extend_schema(operation_id="designs_policies_create", request=YAML_POLICY, responses={201: KeptPolicySerializer})
    def post(self, request, pk: int):
        """Keep one more NetworkPolicy, sent as YAML and validated like import."""
        design = selectors.design_get_for(request.user, pk, write=True)
        row = services.imported_policy_create(design=design, text=_text(request), actor=request.user)
        return Response(_kept(row), status=status.HTTP_201_CREATED)


class KeptPolicyDetailView(APIView):
    parser_classes = DesignImportView.parser_classes

    def _row(self, request, pk: int, policy_pk: int, write: bool):
        design = selectors.design_get_for(request.user, pk, write=write)
        row = design.imported_policies.filter(pk=policy_pk).first()
        if row is None:
            raise NotFound(f"Design {design.pk} keeps no NetworkPolicy with id {policy_pk}.")
        return row

    @extend_schema(operation_id="designs_policies_retrieve", responses={200: KeptPolicySerializer})
    def get(self, request, pk: int, policy_pk: int):
        return Response(_kept(self._row(request, pk, policy_pk, write=False)))

    @extend_schema(operation_id="designs_policies_update", request=YAML_POLICY, responses={200: KeptPolicySerializer})
    def put(self, request, pk: int, policy_pk: int):
        """Replace the policy by the YAML sent (it may rename it)."""
        row = self._row(request, pk, policy_pk, write=True)
        row = services.imported_policy_update(policy=row, text=_text(request), actor=request.user)
        return Response(_kept(row))

    @extend_schema(operation_id="designs_policies_destroy", responses={204: None})
    def delete(self, request, pk: int, policy_pk: int):
        services.imported_policy_delete(policy=self._row(request, pk, policy_pk, write=True), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
