"""Sharing (named users, secret links) and revision history: ``/api/v1/designs/{id}/shares|links|revisions/``.

Who may do what is decided by ``selectors.design_get_for``: only the owner manages shares and links; anyone
who can read a design reads its history; restoring a revision is a change (owner or editor).
"""

from __future__ import annotations

from django.http import Http404
from django.urls import reverse
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.response import Response

from editor import models, selectors, services
from editor.api import serializers as s
from editor.api.views import IF_MATCH, PRECONDITION_FAILED, design_etag, guarded_write

MANAGE_SHARING = "manage who the design is shared with"


def role_field() -> serializers.ChoiceField:
    return serializers.ChoiceField(
        [models.DesignShare.VIEWER, models.DesignShare.EDITOR],
        help_text="viewer: read only; editor: read and change (not delete, not share).",
        error_messages={"invalid_choice": '"{input}" is not a role: use "viewer" or "editor".'},
    )


class ShareSerializer(serializers.ModelSerializer):
    username = serializers.CharField(source="user.username", help_text="The user to share with.")
    role = role_field()

    class Meta:
        model = models.DesignShare
        fields = ["id", "username", "role", "created"]
        read_only_fields = ["id", "created"]


class ShareRoleSerializer(serializers.Serializer):
    role = role_field()


class LinkSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField(help_text="The secret read-only page; anyone holding it can read.")
    created_by = serializers.SerializerMethodField()

    class Meta:
        model = models.ShareLink
        fields = ["id", "token", "url", "created", "created_by"]
        read_only_fields = fields

    def get_url(self, obj) -> str:
        path = reverse("shared-design", args=[obj.token])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path

    def get_created_by(self, obj) -> str | None:
        return obj.created_by.get_username() if obj.created_by else None


class RevisionSerializer(serializers.ModelSerializer):
    author = serializers.SerializerMethodField(help_text="Who made the change; null when unknown.")

    class Meta:
        model = models.Revision
        fields = ["number", "author", "summary", "created"]
        read_only_fields = fields

    def get_author(self, obj) -> str | None:
        return obj.author.get_username() if obj.author else None


class RevisionDetailSerializer(RevisionSerializer):
    snapshot = serializers.JSONField(help_text="The whole design as it was right after this change.")

    class Meta(RevisionSerializer.Meta):
        fields = [*RevisionSerializer.Meta.fields, "snapshot"]
        read_only_fields = fields


class ShareViewSet(viewsets.GenericViewSet):
    """The users a design is shared with.  Only its owner sees and changes this list."""

    serializer_class = ShareSerializer
    queryset = models.DesignShare.objects.none()
    lookup_value_converter = "int"

    def get_design(self) -> models.Design:
        return selectors.design_get_for(self.request.user, self.kwargs["design_pk"], owner_only=MANAGE_SHARING)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return models.DesignShare.objects.none()
        return selectors.design_shares(self.get_design())

    def list(self, request, design_pk=None):
        return Response(self.get_serializer(self.get_queryset(), many=True).data)

    def retrieve(self, request, design_pk=None, pk=None):
        return Response(self.get_serializer(self.get_object()).data)

    def create(self, request, design_pk=None):
        design = self.get_design()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        share = services.share_create(
            design=design,
            username=serializer.validated_data["user"]["username"],
            role=serializer.validated_data["role"],
            actor=request.user,
        )
        return Response(self.get_serializer(share).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ShareRoleSerializer, responses={200: ShareSerializer})
    def partial_update(self, request, design_pk=None, pk=None):
        share = self.get_object()
        serializer = ShareRoleSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        share = services.share_update(share=share, role=serializer.validated_data["role"], actor=request.user)
        return Response(self.get_serializer(share).data)

    def destroy(self, request, design_pk=None, pk=None):
        services.share_delete(share=self.get_object(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class LinkViewSet(viewsets.GenericViewSet):
    """Secret read-only links to a design.  Only its owner makes, lists and revokes them."""

    serializer_class = LinkSerializer
    queryset = models.ShareLink.objects.none()
    lookup_value_converter = "int"

    def get_design(self) -> models.Design:
        return selectors.design_get_for(self.request.user, self.kwargs["design_pk"], owner_only=MANAGE_SHARING)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return models.ShareLink.objects.none()
        return selectors.design_links(self.get_design())

    def list(self, request, design_pk=None):
        return Response(self.get_serializer(self.get_queryset(), many=True).data)

    def retrieve(self, request, design_pk=None, pk=None):
        return Response(self.get_serializer(self.get_object()).data)

    @extend_schema(request=None, responses={201: LinkSerializer})
    def create(self, request, design_pk=None):
        """Make a new secret link (the body is ignored)."""
        link = services.link_create(design=self.get_design(), actor=request.user)
        return Response(self.get_serializer(link).data, status=status.HTTP_201_CREATED)

    def destroy(self, request, design_pk=None, pk=None):
        """Revoke the link: whoever holds it gets 404 from now on."""
        services.link_revoke(link=self.get_object(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class RevisionViewSet(viewsets.GenericViewSet):
    """A design's history: who changed what, when; restore any revision as a new change."""

    serializer_class = RevisionSerializer
    queryset = models.Revision.objects.none()
    lookup_field = "number"
    lookup_value_converter = "int"

    def get_design(self, *, write: bool = False) -> models.Design:
        return selectors.design_get_for(self.request.user, self.kwargs["design_pk"], write=write)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return models.Revision.objects.none()
        return selectors.design_revisions(self.get_design())

    def get_serializer_class(self):
        return RevisionDetailSerializer if self.action == "retrieve" else RevisionSerializer

    def list(self, request, design_pk=None):
        """The design's revisions, newest first (without snapshots; GET one for its snapshot)."""
        return Response(self.get_serializer(self.get_queryset().defer("snapshot"), many=True).data)

    def retrieve(self, request, design_pk=None, number=None):
        revision = self.get_object()
        revision.snapshot = selectors.revision_snapshot(revision)  # a delta revision: the whole design
        return Response(self.get_serializer(revision).data)

    @extend_schema(
        request=None,
        parameters=[IF_MATCH],
        responses={
            200: OpenApiResponse(s.DesignSerializer, description="The design, restored, at a new revision."),
            412: PRECONDITION_FAILED,
        },
    )
    def restore(self, request, design_pk=None, number=None):
        """Make the design what it was at revision ``number``, as a new revision (history keeps everything)."""
        design = self.get_design(write=True)
        revision = selectors.design_revisions(design).filter(number=number).first()
        if revision is None:
            raise Http404(f"Design {design.pk} has no revision {number}: GET its revisions/ to see which exist.")

        def change() -> Response:
            services.design_restore(
                design=design,
                snapshot=selectors.revision_snapshot(revision),
                summary=f"Restored revision {number}",
                actor=request.user,
            )
            design.refresh_from_db()
            return Response(s.DesignSerializer(design, context={"request": request}).data)

        response = guarded_write(request, design, change)
        if "ETag" not in response and response.status_code == 200:
            response["ETag"] = design_etag(design)
        return response
