"""The REST API v1: thin viewsets that parse, call one service, and answer."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpResponse
from django.utils.text import slugify
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import SAFE_METHODS
from rest_framework.response import Response

from editor import models, selectors, services
from editor.api import serializers as s


def yaml_filename(design: models.Design) -> str:
    return f"{slugify(design.name) or 'design'}-networkpolicies.yaml"


class DesignViewSet(viewsets.ModelViewSet):
    queryset = models.Design.objects.none()  # for the schema; get_queryset scopes to the caller
    serializer_class = s.DesignSerializer
    http_method_names = ["get", "post", "put", "patch", "delete", "head", "options"]

    def get_queryset(self):
        return selectors.designs_for(self.request.user)

    def get_object(self):
        design = selectors.design_get_for(
            self.request.user, self.kwargs["pk"], write=self.request.method not in SAFE_METHODS
        )
        self.check_object_permissions(self.request, design)
        return design

    def perform_create(self, serializer):
        serializer.instance = services.design_create(owner=self.request.user, **serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = services.design_update(design=serializer.instance, **serializer.validated_data)

    def perform_destroy(self, instance):
        services.design_delete(design=instance)

    @extend_schema(
        parameters=[
            OpenApiParameter("format", str, enum=["json", "yaml"], description="yaml: a multi-document YAML download.")
        ],
        responses={
            200: OpenApiResponse(s.ManifestsSerializer, description="JSON, or application/yaml with ?format=yaml")
        },
    )
    @action(detail=True, methods=["get"])
    def manifests(self, request, pk=None):
        """The design's NetworkPolicies: JSON, or a YAML download with ``?format=yaml``."""
        design = self.get_object()
        compiled = selectors.design_compile(selectors.design_load(design))
        if request.query_params.get("format") == "yaml":
            response = HttpResponse(compiled.yaml, content_type="application/yaml")
            response["Content-Disposition"] = f'attachment; filename="{yaml_filename(design)}"'
            return response
        return Response({"manifests": compiled.manifests})

    @extend_schema(responses={200: s.FindingSerializer(many=True)})
    @action(detail=True, methods=["get"])
    def warnings(self, request, pk=None):
        """Findings for the design: stable ``code``, ``severity``, ``message`` with the fix, ``subject``."""
        compiled = selectors.design_compile(selectors.design_load(self.get_object()))
        return Response([f.as_dict() for f in compiled.findings])


class DesignPartViewSet(viewsets.GenericViewSet):
    """CRUD for one kind of part of a design, through the services."""

    model: type[models.Model]
    lookup_value_converter = "int"
    # set by each subclass: the services that create, update and delete its part
    create_service: Callable[..., Any]
    update_service: Callable[..., Any]
    delete_service: Callable[..., Any]
    instance_arg: str

    def get_design(self) -> models.Design:
        return selectors.design_get_for(
            self.request.user, self.kwargs["design_pk"], write=self.request.method not in SAFE_METHODS
        )

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return self.model.objects.none()
        return self.model.objects.filter(design=self.get_design())

    def service_kwargs(self, data: dict) -> dict:
        return dict(data)

    def list(self, request, design_pk=None):
        self.get_design()
        return Response(self.get_serializer(self.get_queryset(), many=True).data)

    def retrieve(self, request, design_pk=None, pk=None):
        return Response(self.get_serializer(self.get_object()).data)

    def create(self, request, design_pk=None):
        design = self.get_design()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        obj = type(self).create_service(design=design, **self.service_kwargs(serializer.validated_data))
        return Response(self.get_serializer(obj).data, status=status.HTTP_201_CREATED)

    def update(self, request, design_pk=None, pk=None, partial=False):
        instance = self.get_object()
        serializer = self.get_serializer(instance, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        obj = type(self).update_service(
            **{self.instance_arg: instance}, **self.service_kwargs(serializer.validated_data)
        )
        return Response(self.get_serializer(obj).data)

    def partial_update(self, request, design_pk=None, pk=None):
        return self.update(request, design_pk=design_pk, pk=pk, partial=True)

    def destroy(self, request, design_pk=None, pk=None):
        type(self).delete_service(**{self.instance_arg: self.get_object()})
        return Response(status=status.HTTP_204_NO_CONTENT)


class NamespaceViewSet(DesignPartViewSet):
    model = models.Namespace
    serializer_class = s.NamespaceSerializer
    create_service = staticmethod(services.namespace_create)
    update_service = staticmethod(services.namespace_update)
    delete_service = staticmethod(services.namespace_delete)
    instance_arg = "namespace"


class WorkloadViewSet(DesignPartViewSet):
    model = models.Workload
    serializer_class = s.WorkloadSerializer
    create_service = staticmethod(services.workload_create)
    update_service = staticmethod(services.workload_update)
    delete_service = staticmethod(services.workload_delete)
    instance_arg = "workload"

    def get_queryset(self):
        return super().get_queryset().select_related("namespace")


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
