"""REST API for datasets and versions: thin — parse, call one service or selector, serialise."""
from __future__ import annotations

from django.conf import settings
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import generics, serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from config.exceptions import ApplicationError
from datasets_app import selectors, services
from datasets_app.licenses import known_spdx_ids
from datasets_app.models import Dataset, DatasetVersion, UseTerm
from datasets_app.pii_kinds import operator_label, pii_kind_label
from datasets_app.scrub_runner import OPTIONAL_ENTITIES
from datasets_app.scrubbing.columns import ROLES


class VersionSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = DatasetVersion
        fields = ["id", "number", "status", "raw_sha256", "scrubbed_sha256", "row_count", "residual_count",
                  "created_at", "approved_at"]


class DatasetSerializer(serializers.ModelSerializer):
    organization = serializers.StringRelatedField()
    steward = serializers.StringRelatedField()
    versions = VersionSummarySerializer(many=True, read_only=True)

    class Meta:
        model = Dataset
        fields = ["id", "title", "description", "license", "attribution_text", "citation", "tags", "use_terms",
                  "time_limit_days", "organization", "steward", "versions", "created_at", "updated_at"]


class DatasetCreateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    license = serializers.CharField(help_text=f"SPDX id, one of {', '.join(known_spdx_ids())} or LicenseRef-<name>")
    description = serializers.CharField(required=False, allow_blank=True, default="")
    attribution_text = serializers.CharField(required=False, allow_blank=True, default="")
    citation = serializers.CharField(required=False, allow_blank=True, default="")
    tags = serializers.ListField(child=serializers.CharField(), required=False, default=list)
    use_terms = serializers.ListField(child=serializers.ChoiceField(choices=UseTerm.choices), required=False,
                                      default=list)
    time_limit_days = serializers.IntegerField(required=False, allow_null=True, min_value=1, default=None)


class VersionSerializer(serializers.ModelSerializer):
    dataset = serializers.PrimaryKeyRelatedField(read_only=True)
    progress = serializers.SerializerMethodField()
    # G7: sample rows and masked residual examples for the dataset's steward only.
    pii_report = serializers.SerializerMethodField()
    # The report and the configuration keep the codes; these are their readable names (issue 13).
    pii_kind_labels = serializers.SerializerMethodField()
    operator_label = serializers.SerializerMethodField()

    class Meta:
        model = DatasetVersion
        fields = ["id", "dataset", "number", "status", "original_filename", "raw_sha256", "raw_size",
                  "raw_purged_at", "format", "compressed", "columns", "column_roles", "column_profile",
                  "row_count", "inspected_at", "text_fields", "label_field", "operator", "operator_label",
                  "optional_entities", "pii_kind_labels",
                  "scrubbed_sha256", "scrubbed_size", "pii_report", "scrubber_config",
                  "residual_count", "residual_override_reason", "rows_done", "rows_total", "shard_count",
                  "progress", "failure_reason", "rejection_reason", "approved_at", "created_at"]
        read_only_fields = fields

    def get_progress(self, obj) -> int:
        return obj.progress_percent

    def get_pii_report(self, obj) -> dict:
        request = self.context.get("request")
        return selectors.pii_report_for(user=getattr(request, "user", None), version=obj)

    def get_pii_kind_labels(self, obj) -> dict[str, str]:
        """code -> label for every kind this version's report or settings name."""
        report = obj.pii_report or {}
        codes = [*(report.get("by_entity") or {}), *(report.get("not_scrubbed") or []), *(obj.optional_entities or [])]
        return {code: pii_kind_label(code) for code in dict.fromkeys(codes)}

    def get_operator_label(self, obj) -> str:
        return operator_label(obj.operator)


class UploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="CSV (header row) or JSON Lines, optionally gzip-compressed")


class ColumnRoleSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=[(r, r) for r in ROLES])
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=500)


class ScrubSerializer(serializers.Serializer):
    column_roles = serializers.DictField(
        child=ColumnRoleSerializer(), required=False,
        help_text="{column: {role: scrub|label|keep|drop, reason}}; columns left out are dropped. "
        "keep needs a reason; exactly the scrub columns are scrubbed, one label at most.",
    )
    text_fields = serializers.ListField(child=serializers.CharField(), required=False, default=list,
                                        help_text="Older form: the scrub columns (all others but the label dropped)")
    label_field = serializers.CharField(required=False, allow_blank=True, default="")
    operator = serializers.ChoiceField(choices=DatasetVersion.Operator.choices, default="replace")
    optional_entities = serializers.ListField(
        child=serializers.ChoiceField(choices=[(e, e) for e in OPTIONAL_ENTITIES]), required=False, default=list,
    )

    def validate(self, attrs):
        if not attrs.get("column_roles") and not attrs.get("text_fields"):
            raise serializers.ValidationError("Give column_roles (or text_fields): at least one column to scrub.")
        return attrs


class ApproveSerializer(serializers.Serializer):
    scrubbed_sha256 = serializers.RegexField(r"^[0-9a-fA-F]{64}$", help_text="The sha256 of the scrub you reviewed")
    override_reason = serializers.CharField(required=False, allow_blank=True, default="")


class RejectSerializer(serializers.Serializer):
    reason = serializers.CharField()


@extend_schema_view(get=extend_schema(summary="List your organisation's datasets"))
class DatasetListCreateApi(generics.ListAPIView):
    serializer_class = DatasetSerializer
    filterset_class = selectors.DatasetFilter

    def get_queryset(self):
        # The caller's own organisation's datasets; the cross-organisation catalogue is GET /api/datasets/.
        if getattr(self, "swagger_fake_view", False):  # schema generation has no user
            return Dataset.objects.none()
        user = self.request.user
        return selectors.with_version_summaries(
            selectors.datasets_visible_to(user).filter(organization_id=user.organization_id).order_by("title", "pk"),
            user)

    @extend_schema(summary="Create a dataset", request=DatasetCreateSerializer, responses={201: DatasetSerializer})
    def post(self, request):
        data = DatasetCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        dataset = services.dataset_create(actor=request.user, **data.validated_data)
        return Response(DatasetSerializer(dataset).data, status=status.HTTP_201_CREATED)


@extend_schema_view(get=extend_schema(summary="Read one of your datasets"))
class DatasetDetailApi(generics.RetrieveAPIView):
    serializer_class = DatasetSerializer

    def get_queryset(self):
        return selectors.datasets_visible_to(self.request.user)


class VersionUploadApi(APIView):
    parser_classes = [MultiPartParser, FormParser]
    serializer_class = UploadSerializer

    @extend_schema(summary="Upload a new dataset version", request={"multipart/form-data": UploadSerializer},
                   responses={201: VersionSerializer})
    def post(self, request, pk: int):
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
        if declared > settings.ACCORD_MAX_UPLOAD_BYTES + 64 * 1024:
            raise ApplicationError(
                f"The file is larger than the upload limit of {settings.ACCORD_MAX_UPLOAD_BYTES:,} bytes.",
                status=413, code="too_large",
            )
        dataset = generics.get_object_or_404(selectors.datasets_visible_to(request.user), pk=pk)
        data = UploadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        upload = data.validated_data["file"]
        version = services.version_upload(dataset=dataset, file=upload, filename=upload.name, actor=request.user)
        version.refresh_from_db()
        return Response(VersionSerializer(version, context={"request": request}).data, status=status.HTTP_201_CREATED)


@extend_schema_view(get=extend_schema(summary="Read a dataset version and its PII report"))
class VersionDetailApi(generics.RetrieveAPIView):
    serializer_class = VersionSerializer

    def get_queryset(self):
        return selectors.versions_visible_to(self.request.user)


class _VersionActionApi(APIView):
    input_serializer: type[serializers.Serializer]

    def get_version(self, request, pk: int) -> DatasetVersion:
        return generics.get_object_or_404(selectors.versions_visible_to(request.user), pk=pk)

    def parse(self, request) -> dict:
        data = self.input_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        return dict(data.validated_data)

    def respond(self, version: DatasetVersion) -> Response:
        version.refresh_from_db()
        return Response(VersionSerializer(version, context={"request": self.request}).data)


class VersionScrubApi(_VersionActionApi):
    input_serializer = serializer_class = ScrubSerializer

    @extend_schema(summary="Scrub a version with the given column roles", request=ScrubSerializer,
                   responses={200: VersionSerializer})
    def post(self, request, pk: int):
        version = self.get_version(request, pk)
        return self.respond(services.version_scrub_start(version=version, actor=request.user, **self.parse(request)))


class VersionApproveApi(_VersionActionApi):
    input_serializer = serializer_class = ApproveSerializer

    @extend_schema(summary="Approve and freeze the reviewed scrub", request=ApproveSerializer,
                   responses={200: VersionSerializer})
    def post(self, request, pk: int):
        version = self.get_version(request, pk)
        return self.respond(services.version_approve(version=version, actor=request.user, **self.parse(request)))


class VersionRejectApi(_VersionActionApi):
    input_serializer = serializer_class = RejectSerializer

    @extend_schema(summary="Reject a scrubbed version", request=RejectSerializer, responses={200: VersionSerializer})
    def post(self, request, pk: int):
        version = self.get_version(request, pk)
        return self.respond(services.version_reject(version=version, actor=request.user, **self.parse(request)))


class VersionPurgeRawApi(_VersionActionApi):
    serializer_class = VersionSerializer

    @extend_schema(summary="Purge the raw upload of an approved version", request=None,
                   responses={200: VersionSerializer})
    def post(self, request, pk: int):
        version = self.get_version(request, pk)
        return self.respond(services.version_purge_raw(version=version, actor=request.user))
