"""Training API: thin views over training.services / selectors. Admins only."""
from __future__ import annotations

from django.http import FileResponse
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.rules import is_admin
from config.exceptions import ApplicationError
from config.pagination import DefaultPagination
from datasets_app.models import DatasetVersion
from training import services
from training.downloads import ARTIFACTS, open_artifact
from training.models import BaseModel, Purpose, RunState, TrainingRun, TrainingRunInput, TrainingTask
from training.selectors import run_get_visible, runs_visible_to


class IsAdmin(BasePermission):
    message = "Only admins (ML ops) may use training runs."

    def has_permission(self, request, view) -> bool:
        return is_admin(request.user)


class BaseModelSerializer(serializers.ModelSerializer):
    class Meta:
        model = BaseModel
        fields = ["id", "name", "source", "package_name", "local_path", "license", "supported_tasks", "is_active",
                  "license_allows_derivatives"]


class RunInputSerializer(serializers.ModelSerializer):
    dataset = serializers.CharField(source="dataset_version.dataset.title")
    version = serializers.IntegerField(source="dataset_version.number")
    agreements = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = TrainingRunInput
        fields = ["dataset_version", "dataset", "version", "sha256", "agreements", "column_map"]


class TrainingRunSerializer(serializers.ModelSerializer):
    base_model = serializers.CharField(source="base_model.name")
    launched_by = serializers.CharField(source="launched_by.username")
    inputs = RunInputSerializer(many=True, read_only=True)
    progress_percent = serializers.IntegerField(read_only=True)
    downloads = serializers.SerializerMethodField()

    class Meta:
        model = TrainingRun
        fields = [
            "id", "state", "base_model", "task", "purpose", "inputs", "text_fields", "label_field", "split_field", "epochs",
            "learning_rate", "batch_size", "max_length", "seed", "launched_by", "denial_reasons", "failure_reason",
            "cancel_reason", "step", "total_steps", "epoch", "loss", "samples_per_sec", "progress_percent",
            "metrics_history", "final_metrics", "device", "attempts", "heartbeat_at", "created_at", "started_at",
            "finished_at", "model_revoked_at", "model_revoked_reason", "downloads",
            "lora", "lora_r", "lora_alpha", "lora_dropout", "lora_target_modules", "adapter", "test_metrics",
            "evaluation",
        ]

    def get_downloads(self, run: TrainingRun) -> dict[str, str]:
        if run.state != RunState.SUCCEEDED or run.model_revoked_at:
            return {}
        request = self.context.get("request")
        paths = {kind: f"/api/training-runs/{run.pk}/artifacts/{kind}/" for kind in ARTIFACTS}
        return {kind: request.build_absolute_uri(path) if request else path for kind, path in paths.items()}


class LaunchSerializer(serializers.Serializer):
    base_model = serializers.PrimaryKeyRelatedField(queryset=BaseModel.objects.all())
    dataset_versions = serializers.PrimaryKeyRelatedField(queryset=DatasetVersion.objects.all(), many=True,
                                                          allow_empty=False)
    task = serializers.ChoiceField(choices=TrainingTask.choices, default=TrainingTask.TEXT_CLASSIFICATION)
    purpose = serializers.ChoiceField(choices=Purpose.choices, default=Purpose.RESEARCH)
    text_fields = serializers.ListField(child=serializers.CharField(max_length=200), required=False, allow_empty=True)
    label_field = serializers.CharField(max_length=200, required=False, allow_blank=True)
    split_field = serializers.CharField(
        max_length=200, required=False, allow_blank=True,
        help_text="The steward-declared train/validation/test column; omitted = the versions' declared one "
                  "when they all declare the same, \"\" = a seeded split")
    column_mapping = serializers.DictField(
        child=serializers.DictField(child=serializers.CharField(max_length=200)), required=False,
        help_text="{version id: {run field: that version's column}}, for versions that name their released "
                  "columns differently, e.g. {\"12\": {\"text\": \"body\"}}")
    epochs = serializers.IntegerField(default=3)
    learning_rate = serializers.FloatField(default=5e-5)
    batch_size = serializers.IntegerField(default=16)
    max_length = serializers.IntegerField(default=128)
    seed = serializers.IntegerField(default=42)
    lora = serializers.BooleanField(default=False)
    lora_r = serializers.IntegerField(default=8)
    lora_alpha = serializers.IntegerField(default=16)
    lora_dropout = serializers.FloatField(default=0.1)
    lora_target_modules = serializers.ListField(child=serializers.CharField(max_length=100), required=False,
                                                allow_empty=True, default=list)


class DeniedSerializer(serializers.Serializer):
    message = serializers.CharField()
    code = serializers.CharField()
    reasons = serializers.ListField(child=serializers.CharField())
    extra = serializers.DictField()


@extend_schema_view(get=extend_schema(summary="List the allowed base models"))
class BaseModelListApi(ListAPIView):
    """The registry of allowed base models."""

    permission_classes = [IsAdmin]
    serializer_class = BaseModelSerializer
    queryset = BaseModel.objects.all()
    pagination_class = None


class TrainingRunListCreateApi(APIView):
    permission_classes = [IsAdmin]
    serializer_class = TrainingRunSerializer

    @extend_schema(summary="List training runs", responses=TrainingRunSerializer(many=True), parameters=[
        OpenApiParameter("limit", int), OpenApiParameter("offset", int), OpenApiParameter("state", str)])
    def get(self, request):
        """Newest first, paged (`?limit=`, at most settings.ACCORD_MAX_PAGE_SIZE, and `?offset=`)."""
        runs = runs_visible_to(request.user).prefetch_related("inputs__agreements").order_by("-created_at", "-id")
        if state := request.query_params.get("state"):
            runs = runs.filter(state=state)
        paginator = DefaultPagination()
        page = paginator.paginate_queryset(runs, request, view=self)
        return paginator.get_paginated_response(
            TrainingRunSerializer(page, many=True, context={"request": request}).data)

    @extend_schema(
        summary="Launch a training run through the gate",
        request=LaunchSerializer,
        responses={201: TrainingRunSerializer, 400: OpenApiResponse(description="Bad input"),
                   403: OpenApiResponse(DeniedSerializer, description="Not an admin, or THE gate refused: every reason")},
    )
    def post(self, request):
        """Launch a run through the training gate. A refused launch is recorded as `denied` and answered 403."""
        payload = LaunchSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        run = services.training_run_launch(actor=request.user, **payload.validated_data)
        if run.state == RunState.DENIED:
            # Returned, not raised: the denied run and its audit event must commit with this request.
            denied = ApplicationError("The training gate refused this run.", status=403, code="gate_denied",
                                      reasons=run.denial_reasons, extra={"run_id": run.pk})
            return Response(denied.as_dict(), status=status.HTTP_403_FORBIDDEN)
        return Response(TrainingRunSerializer(run, context={"request": request}).data, status=status.HTTP_201_CREATED)


def _run_or_404(request, pk) -> TrainingRun:
    run = run_get_visible(user=request.user, pk=pk)
    if run is None:
        raise ApplicationError("No such training run.", status=404, code="not_found")
    return run


class TrainingRunDetailApi(APIView):
    permission_classes = [IsAdmin]
    serializer_class = TrainingRunSerializer

    @extend_schema(summary="Read a training run and its progress")
    def get(self, request, pk: int):
        return Response(TrainingRunSerializer(_run_or_404(request, pk), context={"request": request}).data)


class CancelSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=1000)


class TrainingRunCancelApi(APIView):
    permission_classes = [IsAdmin]
    serializer_class = TrainingRunSerializer

    @extend_schema(summary="Cancel a training run", request=CancelSerializer, responses={200: TrainingRunSerializer})
    def post(self, request, pk: int):
        payload = CancelSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        run = services.training_run_cancel(run=_run_or_404(request, pk), actor=request.user,
                                           reason=payload.validated_data.get("reason", ""))
        return Response(TrainingRunSerializer(run, context={"request": request}).data)


class TrainingRunArtifactApi(APIView):
    """Download a finished run's model (zip), model card or attribution manifest. 410 once revoked."""

    permission_classes = [IsAdmin]

    @extend_schema(summary="Download a model, its model card or attribution manifest",
                   responses={(200, "application/octet-stream"): bytes, 410: OpenApiResponse(description="Revoked")})
    def get(self, request, pk: int, kind: str) -> FileResponse:
        return open_artifact(run=_run_or_404(request, pk), kind=kind, actor=request.user)
