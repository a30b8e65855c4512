"""Designs from observed traffic, and traffic checked against a design: the REST API reference, ``docs/api.md``
"Designs from observed traffic".

The body (JSON lines) is never parsed by DRF: the parsers hand the request's stream to the service, which
reads it a line at a time.  ``format`` names the input format (``hubble``, ``ig``), never the answer's.
Errors are ``{"errors": [{"line": null, "message": "..."}]}`` (plus ``field`` when a parameter is wrong),
and nothing is saved.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import BaseParser
from rest_framework.response import Response
from rest_framework.views import APIView

from editor import selectors, services_traffic
from editor.netpol import traffic, traffic_design

ERR_EMPTY = "The body is empty: send the capture as JSON lines (Content-Type: application/x-ndjson)."


class _Stream:
    """The request body, unread: ``read(n)`` as the reader wants it."""

    def __init__(self, stream):
        self._stream = stream

    def read(self, n: int = -1) -> bytes:
        return self._stream.read(n) if self._stream is not None else b""


class NDJSONParser(BaseParser):
    """Hands the body's stream to the view, unread (a capture may be a gigabyte)."""

    media_type = "application/x-ndjson"

    def parse(self, stream, media_type=None, parser_context=None):
        return _Stream(stream)


class JSONLinesParser(NDJSONParser):
    media_type = "application/json"


class JSONLParser(NDJSONParser):
    media_type = "application/jsonl"


PARSERS = [NDJSONParser, JSONLinesParser, JSONLParser]


# ---------------------------------------------------------------- shapes (for the schema)


class TrafficErrorSerializer(serializers.Serializer):
    line = serializers.IntegerField(allow_null=True, help_text="null: the body as a whole (or a parameter).")
    field = serializers.CharField(required=False, help_text="The query parameter that is wrong, if one is.")
    message = serializers.CharField(help_text="What is wrong and how to fix it.")


class TrafficErrorsSerializer(serializers.Serializer):
    errors = TrafficErrorSerializer(many=True)


class SkippedLineSerializer(serializers.Serializer):
    line = serializers.IntegerField(help_text="Counts from 1.")
    reason = serializers.CharField()


class FromTrafficSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="The new design's id.")
    flows = serializers.IntegerField(help_text="Lines read.")
    used = serializers.IntegerField(help_text="Lines that are a connection's start the design allows.")
    dropped = serializers.IntegerField(help_text="Lines with verdict DROPPED (not drawn).")
    connections = serializers.IntegerField(help_text="Flows the new design draws.")
    skipped = SkippedLineSerializer(many=True, help_text=f"At most {traffic.MAX_SKIPPED}, with the reason.")


class SideVerdictSerializer(serializers.Serializer):
    allowed = serializers.BooleanField()
    policies = serializers.ListField(child=serializers.CharField())
    explanation = serializers.CharField(required=False, help_text="Only with ?explain=true.")


DeniedSerializer = type(
    "DeniedSerializer",
    (serializers.Serializer,),
    {
        "from": serializers.CharField(help_text="<namespace>/<name>, or an address outside the cluster."),
        "to": serializers.CharField(help_text="<namespace>/<name>, or an address outside the cluster."),
        "port": serializers.IntegerField(),
        "protocol": serializers.CharField(),
        "count": serializers.IntegerField(help_text="Lines that showed this connection."),
        "egress": SideVerdictSerializer(),
        "ingress": SideVerdictSerializer(),
    },
)


class TrafficCheckSerializer(serializers.Serializer):
    flows = serializers.IntegerField(help_text="Lines read.")
    checked = serializers.IntegerField(help_text="Used lines (connection starts) judged.")
    allowed = serializers.IntegerField(help_text="Used lines the design allows.")
    denied = DeniedSerializer(many=True, help_text="Refused connections, grouped, most frequent first.")


# ---------------------------------------------------------------- views


def _errors(message: str, field: str | None = None) -> Response:
    error: dict = {"line": None, "message": message}
    if field:
        error["field"] = field
    return Response({"errors": [error]}, status=status.HTTP_400_BAD_REQUEST)


def _format(request) -> str:
    value = request.query_params.get("format") or "hubble"
    if value not in traffic.FORMATS:
        raise _BadParameter("format", traffic.ERR_FORMAT.format(format=value, known=", ".join(traffic.FORMATS)))
    return value


class _BadParameter(Exception):
    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


def _body(request):
    """The body's stream, or a 400 for a missing or too large one."""
    length = request.META.get("CONTENT_LENGTH") or "0"
    if length.isdigit() and int(length) > traffic.MAX_BYTES:
        raise _BadParameter("", traffic.ERR_TOO_LARGE.format(limit=traffic.MAX_BYTES))
    body = request.data
    if not isinstance(body, _Stream):
        raise _BadParameter("", ERR_EMPTY)
    return body


FORMAT = OpenApiParameter(
    "format", str, enum=list(traffic.FORMATS), description="The input format: hubble (default) or ig."
)
CAPTURE = {
    "application/x-ndjson": OpenApiTypes.BINARY,
    "application/json": OpenApiTypes.BINARY,
    "application/jsonl": OpenApiTypes.BINARY,
}
LIMIT = f"At most {traffic.MAX_BYTES:,} bytes (2 GiB) a body, and {traffic.MAX_LINE_BYTES:,} bytes a line."


class DesignFromTrafficView(APIView):
    parser_classes = PARSERS

    @extend_schema(
        operation_id="designs_from_traffic",
        description="A new least-privilege design from `hubble observe -o json` lines or Inspektor Gadget "
        f"records. {LIMIT}",
        parameters=[
            OpenApiParameter("name", str, description="The new design's name.", required=False),
            FORMAT,
            OpenApiParameter(
                "group",
                str,
                enum=list(traffic_design.GROUPS),
                description="Addresses outside the cluster: "
                + "; ".join(f"{k}: {v}" for k, v in traffic_design.GROUP_HELP.items())
                + " (default dns).",
            ),
        ],
        request=CAPTURE,
        responses={201: FromTrafficSerializer, 400: OpenApiResponse(TrafficErrorsSerializer, "Nothing was saved.")},
    )
    def post(self, request):
        """A new design drawing the connections a capture observed."""
        try:
            fmt = _format(request)
            group = request.query_params.get("group") or "dns"
            if group not in traffic_design.GROUPS:
                known = ", ".join(traffic_design.GROUPS)
                raise _BadParameter("group", traffic_design.ERR_GROUP.format(group=group, known=known))
            name = request.query_params.get("name") or services_traffic.DEFAULT_NAME
            result = services_traffic.design_from_traffic(
                owner=request.user, name=name, stream=_body(request), format=fmt, group=group, actor=request.user
            )
        except _BadParameter as exc:
            return _errors(str(exc), exc.field)
        except (traffic.TooLarge, services_traffic.NoUsableFlow) as exc:
            return _errors(str(exc))
        except DjangoValidationError as exc:
            messages = [m for ms in getattr(exc, "message_dict", {"name": exc.messages}).values() for m in ms]
            return _errors(" ".join(messages), "name")
        return Response(result.answer(), status=status.HTTP_201_CREATED)


class TrafficCheckView(APIView):
    parser_classes = PARSERS

    @extend_schema(
        operation_id="designs_traffic_check",
        description=f"Observed traffic judged by the design's NetworkPolicy export; nothing changes. {LIMIT}",
        parameters=[
            FORMAT,
            OpenApiParameter("explain", bool, description="Add each side's explanation to the denied connections."),
        ],
        request=CAPTURE,
        responses={200: TrafficCheckSerializer, 400: TrafficErrorsSerializer},
    )
    def post(self, request, pk: int):
        """Which observed connections would the design refuse?  Both sides, as the reachability check says."""
        design = selectors.design_get_for(request.user, pk)
        explain = request.query_params.get("explain", "").lower() in ("1", "true", "yes")
        try:
            result = services_traffic.design_traffic_check(
                design=design, stream=_body(request), format=_format(request)
            )
        except _BadParameter as exc:
            return _errors(str(exc), exc.field)
        except (traffic.TooLarge, services_traffic.NoUsableFlow) as exc:
            return _errors(str(exc))
        return Response(result.as_dict(explain))
