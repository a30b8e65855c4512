"""The REST API v1: thin viewsets that parse, call one service, and answer."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.db.models import Model
from django.http import HttpResponse
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import serializers as rf_serializers
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import SAFE_METHODS
from rest_framework.response import Response

from editor import exports, models, selectors, services
from editor.api import serializers as s
from editor.import_findings import with_import_findings
from editor.selectors import yaml_filename

TARGET = OpenApiParameter(
    "target",
    str,
    enum=list(exports.TARGETS),
    description="The export target: networkpolicy (default), cilium (CiliumNetworkPolicy) or netassert (tests).",
)


def _yaml_download(text: str, filename: str) -> HttpResponse:
    response = HttpResponse(text, content_type="application/yaml")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _target(request) -> str:
    try:
        return exports.check_target(request.query_params.get("target"))
    except exports.UnknownTarget as exc:
        raise rf_serializers.ValidationError({"target": [str(exc)]}) from None


# ---------------------------------------------------------------- ETag / If-Match: no lost edits
# A design's ETag is "<id>-<revision>"; parts answer with their design's.  A write that sends If-Match
# runs only when it still names the current revision (checked under the design's row lock), else 412.

ERR_IF_MATCH_SHAPE = (
    'If-Match must be the ETag of your last read of this design, like "{etag}"; got {got!r}. '
    "Nothing was saved: GET the design again and send its ETag."
)
ETAG_RE = re.compile(r'(?:W/)?"?([0-9]{1,18})-([0-9]{1,18})"?')  # fullmatch; ASCII digits only


def design_etag(design: models.Design) -> str:
    return f'"{design.pk}-{design.revision}"'


def _if_match(request) -> list[str] | None:
    """The entity tags of If-Match (weak prefix dropped); None when absent or ``*``."""
    header = request.headers.get("If-Match")
    if header is None or header.strip() == "*":
        return None
    return [t.strip().removeprefix("W/") for t in header.split(",") if t.strip()]


class PreconditionFailedSerializer(rf_serializers.Serializer):
    detail = rf_serializers.CharField(help_text="What changed and what to do: read the design again, then retry.")
    revision = rf_serializers.IntegerField(help_text="The design's current revision.")


IF_MATCH = OpenApiParameter(
    "If-Match",
    str,
    OpenApiParameter.HEADER,
    required=False,
    description='The ETag of your last read, e.g. "12-7": the change is made only if the design is still at '
    "that revision, else 412 and nothing changes. Leave it out to write unconditionally.",
)
PRECONDITION_FAILED = OpenApiResponse(PreconditionFailedSerializer, description="Stale If-Match: nothing changed.")


def guarded_write(request, design: models.Design, change: Callable[[], Response]) -> Response:
    """Run ``change`` in one transaction under ``design``'s row lock, honouring If-Match; set the new ETag."""
    tags = _if_match(request)
    try:
        with transaction.atomic():
            services.check_revision(design, None)  # lock the row and read the current revision
            if tags is not None and design_etag(design) not in tags:
                match = ETAG_RE.fullmatch(tags[0]) if len(tags) == 1 else None
                if match is None or int(match.group(1)) != design.pk:
                    detail = ERR_IF_MATCH_SHAPE.format(etag=design_etag(design), got=request.headers["If-Match"])
                    return Response(
                        {"detail": detail, "revision": design.revision},
                        status=status.HTTP_412_PRECONDITION_FAILED,
                        headers={"ETag": design_etag(design)},
                    )
                raise services.StaleRevision(design, int(match.group(2)))
            response = change()
            if response.status_code < 300 and models.Design.objects.filter(pk=design.pk).exists():
                design.refresh_from_db(fields=["revision"])
                response["ETag"] = design_etag(design)
            return response
    except services.StaleRevision as exc:
        return Response(
            {"detail": str(exc), "revision": exc.current},
            status=status.HTTP_412_PRECONDITION_FAILED,
            headers={"ETag": design_etag(exc.design)},
        )


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter(
                "shared",
                bool,
                description="true: the designs other users shared with you (as viewer or editor) instead of yours.",
            )
        ]
    ),
    update=extend_schema(parameters=[IF_MATCH], responses={200: s.DesignSerializer, 412: PRECONDITION_FAILED}),
    partial_update=extend_schema(parameters=[IF_MATCH], responses={200: s.DesignSerializer, 412: PRECONDITION_FAILED}),
    destroy=extend_schema(parameters=[IF_MATCH], responses={204: None, 412: PRECONDITION_FAILED}),
)
class DesignViewSet(viewsets.ModelViewSet):
    queryset = models.Design.objects.none()  # for the schema; get_queryset scopes to the caller
    serializer_class = s.DesignSerializer
    http_method_names = ["get", "post", "put", "patch", "delete", "head", "options"]
    lookup_value_regex = r"[0-9]+"  # /designs/null/ is 404, not a 500 from int("null")

    def get_queryset(self):
        if self.request.query_params.get("shared", "").lower() in ("1", "true", "yes"):
            return selectors.designs_shared_with(self.request.user)
        return selectors.designs_for(self.request.user).select_related("owner")

    def get_object(self):
        design = selectors.design_get_for(
            self.request.user,
            self.kwargs["pk"],
            write=self.request.method not in SAFE_METHODS,
            owner_only="delete the design" if self.request.method == "DELETE" else "",
        )
        self.check_object_permissions(self.request, design)
        return design

    def retrieve(self, request, *args, **kwargs):
        design = self.get_object()
        return Response(self.get_serializer(design).data, headers={"ETag": design_etag(design)})

    def update(self, request, *args, **kwargs):
        design = self.get_object()
        return guarded_write(request, design, lambda: super(DesignViewSet, self).update(request, *args, **kwargs))

    def destroy(self, request, *args, **kwargs):
        design = self.get_object()
        return guarded_write(request, design, lambda: super(DesignViewSet, self).destroy(request, *args, **kwargs))

    def perform_create(self, serializer):
        serializer.instance = services.design_create(
            owner=self.request.user, actor=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer):
        serializer.instance = services.design_update(
            design=serializer.instance, actor=self.request.user, **serializer.validated_data
        )

    def perform_destroy(self, instance):
        services.design_delete(design=instance, actor=self.request.user)

    @extend_schema(
        parameters=[
            OpenApiParameter("format", str, enum=["json", "yaml"], description="yaml: a multi-document YAML download."),
            TARGET,
        ],
        responses={
            200: OpenApiResponse(s.ManifestsSerializer, description="JSON, or application/yaml with ?format=yaml"),
            400: s.TargetErrorSerializer,
        },
    )
    @action(detail=True, methods=["get"])
    def manifests(self, request, pk=None):
        """The design's export for ``?target=`` (NetworkPolicies by default, CiliumNetworkPolicies, or netassert
        tests): JSON, or a YAML download with ``?format=yaml``."""
        design = self.get_object()
        target = _target(request)
        data = compiled = selectors.design_state(design)
        if target != exports.DEFAULT_TARGET:
            export = exports.design_export(data, target)
            if request.query_params.get("format") == "yaml":
                return _yaml_download(export.yaml, export.filename(design.name))
            return Response({"manifests": export.manifests})
        if request.query_params.get("format") == "yaml":
            return _yaml_download(compiled.yaml, yaml_filename(design))
        # the JSON renderer's bytes, put together from each policy's JSON (kept between edits: an edit changes a
        # few policies, and rendering a thousand manifests again took most of this request)
        body = '{"manifests":[' + ",".join(compiled.manifests_json) + "]}"
        return HttpResponse(body.encode(), content_type="application/json")

    @extend_schema(parameters=[TARGET], responses={200: s.FindingSerializer(many=True), 400: s.TargetErrorSerializer})
    @action(detail=True, methods=["get"])
    def warnings(self, request, pk=None):
        """Findings for the design: stable ``code``, ``severity``, ``message`` with the fix, ``subject``;
        ``?target=`` gives what that export target cannot express."""
        design = self.get_object()
        target = _target(request)
        data = selectors.design_state(design)
        return Response([f.as_dict() for f in with_import_findings(exports.design_findings(data, target), data)])


class DesignPartViewSet(viewsets.GenericViewSet):
    """CRUD for one kind of part of a design, through the services."""

    model: type[Model]
    lookup_value_converter = "int"
    # set by each subclass: the services that create, update and delete its part
    create_service: Callable[..., Any]
    update_service: Callable[..., Any]
    delete_service: Callable[..., Any]
    instance_arg: str

    def get_design(self) -> models.Design:
        if getattr(self, "_design", None) is None:  # one access check (and query) per request
            self._design = selectors.design_get_for(
                self.request.user, self.kwargs["design_pk"], write=self.request.method not in SAFE_METHODS
            )
        return self._design

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return self.model.objects.none()
        return self.model.objects.filter(design=self.get_design())

    def service_kwargs(self, data: dict) -> dict:
        return dict(data)

    def list(self, request, design_pk=None):
        design = self.get_design()
        data = self.get_serializer(self.get_queryset(), many=True).data
        return Response(data, headers={"ETag": design_etag(design)})

    def retrieve(self, request, design_pk=None, pk=None):
        obj = self.get_object()
        return Response(self.get_serializer(obj).data, headers={"ETag": design_etag(self.get_design())})

    def create(self, request, design_pk=None):
        design = self.get_design()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)

        def change() -> Response:
            obj = type(self).create_service(
                design=design, actor=request.user, **self.service_kwargs(serializer.validated_data)
            )
            return Response(self.get_serializer(obj).data, status=status.HTTP_201_CREATED)

        return guarded_write(request, design, change)

    def update(self, request, design_pk=None, pk=None, partial=False):
        design = self.get_design()

        def change() -> Response:
            instance = self.get_object()  # read under the design's lock
            serializer = self.get_serializer(instance, data=request.data, partial=partial)
            serializer.is_valid(raise_exception=True)
            obj = type(self).update_service(
                **{self.instance_arg: instance}, actor=request.user, **self.service_kwargs(serializer.validated_data)
            )
            return Response(self.get_serializer(obj).data)

        return guarded_write(request, design, change)

    def partial_update(self, request, design_pk=None, pk=None):
        return self.update(request, design_pk=design_pk, pk=pk, partial=True)

    def destroy(self, request, design_pk=None, pk=None):
        design = self.get_design()

        def change() -> Response:
            type(self).delete_service(**{self.instance_arg: self.get_object()}, actor=request.user)
            return Response(status=status.HTTP_204_NO_CONTENT)

        return guarded_write(request, design, change)


def part_schema(viewset: type[DesignPartViewSet]) -> type[DesignPartViewSet]:
    """Document If-Match and 412 on a part viewset's writes, keeping its serializer as the answer."""
    serializer = viewset.serializer_class
    return extend_schema_view(
        create=extend_schema(parameters=[IF_MATCH], responses={201: serializer, 412: PRECONDITION_FAILED}),
        update=extend_schema(parameters=[IF_MATCH], responses={200: serializer, 412: PRECONDITION_FAILED}),
        partial_update=extend_schema(parameters=[IF_MATCH], responses={200: serializer, 412: PRECONDITION_FAILED}),
        destroy=extend_schema(parameters=[IF_MATCH], responses={204: None, 412: PRECONDITION_FAILED}),
    )(viewset)


@part_schema
class NamespaceViewSet(DesignPartViewSet):
    model = models.Namespace
    serializer_class = s.NamespaceSerializer
    create_service = staticmethod(services.namespace_create)
    update_service = staticmethod(services.namespace_update)
    delete_service = staticmethod(services.namespace_delete)
    instance_arg = "namespace"


@part_schema
class WorkloadViewSet(DesignPartViewSet):
    model = models.Workload
    serializer_class = s.WorkloadSerializer
    create_service = staticmethod(services.workload_create)
    update_service = staticmethod(services.workload_update)
    delete_service = staticmethod(services.workload_delete)
    instance_arg = "workload"

    def get_queryset(self):
        return super().get_queryset().select_related("namespace")


@part_schema
class ExternalViewSet(DesignPartViewSet):
    model = models.External
    serializer_class = s.ExternalSerializer
    create_service = staticmethod(services.external_create)
    update_service = staticmethod(services.external_update)
    delete_service = staticmethod(services.external_delete)
    instance_arg = "external"

    def service_kwargs(self, data: dict) -> dict:
        data = dict(data)
        if "except_cidrs" in data:
            data["except_"] = data.pop("except_cidrs")
        return data


@part_schema
class FlowViewSet(DesignPartViewSet):
    model = models.Flow
    serializer_class = s.FlowSerializer
    create_service = staticmethod(services.flow_create)
    update_service = staticmethod(services.flow_update)
    delete_service = staticmethod(services.flow_delete)
    instance_arg = "flow"

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .select_related(
                "source_workload__namespace",
                "source_namespace",
                "source_external",
                "destination_workload__namespace",
                "destination_namespace",
                "destination_external",
            )
        )

    def service_kwargs(self, data: dict) -> dict:
        data = dict(data)
        for side in ("source", "destination"):
            if side in data:
                data[side] = dict(data[side])
        if "ports" in data:
            data["ports"] = [dict(p) for p in data["ports"]]
        return data
