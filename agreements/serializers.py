from __future__ import annotations

from rest_framework import serializers

from agreements.models import Agreement, IntendedUse
from agreements.selectors import agreement_problems, pii_summary
from datasets_app.models import Dataset, DatasetVersion


class VersionRefSerializer(serializers.ModelSerializer):
    dataset_title = serializers.CharField(source="dataset.title")
    organization = serializers.CharField(source="dataset.organization.name")

    class Meta:
        model = DatasetVersion
        fields = ["id", "dataset_id", "dataset_title", "number", "organization", "scrubbed_sha256"]


class CountersignatureSerializer(serializers.Serializer):
    organization = serializers.CharField(source="organization.name")
    signed_by = serializers.CharField(source="signed_by.username")
    signed_at = serializers.DateTimeField()
    terms_sha256 = serializers.CharField()


class AgreementSerializer(serializers.ModelSerializer):
    project_title = serializers.CharField(source="access_request.project_title")
    purpose = serializers.CharField(source="access_request.purpose")
    intended_uses = serializers.ListField(source="access_request.intended_uses", child=serializers.CharField())
    requested_end_date = serializers.DateField(source="access_request.requested_end_date")
    researcher = serializers.CharField(source="access_request.researcher.username")
    dataset_versions = VersionRefSerializer(source="access_request.dataset_versions", many=True)
    countersignatures = CountersignatureSerializer(many=True)
    terms_version = serializers.IntegerField(source="terms_template.version", allow_null=True)
    in_force = serializers.SerializerMethodField()
    problems = serializers.SerializerMethodField()

    class Meta:
        model = Agreement
        fields = ["id", "state", "in_force", "problems", "project_title", "purpose", "intended_uses",
                  "requested_end_date", "researcher", "dataset_versions", "terms_version", "terms_sha256",
                  "terms_text", "accepted_at", "submitted_at", "review_comment", "rejection_reason", "approved_at",
                  "expires_at", "conditions", "revoked_at", "revocation_reason", "countersignatures", "created_at"]

    def _problems(self, obj) -> list[str]:
        # A list endpoint reads them for its whole page at once (selectors.agreements_problems).
        page = self.context.get("problems")
        if page is not None and obj.pk in page:
            return page[obj.pk]
        cache = self.context.setdefault("_problems", {})
        if obj.pk not in cache:
            cache[obj.pk] = agreement_problems(obj)
        return cache[obj.pk]

    def get_problems(self, obj) -> list[str]:
        return self._problems(obj)

    def get_in_force(self, obj) -> bool:
        return not self._problems(obj)


class AccessRequestInputSerializer(serializers.Serializer):
    dataset_versions = serializers.PrimaryKeyRelatedField(queryset=DatasetVersion.objects.all(), many=True,
                                                          allow_empty=False)
    project_title = serializers.CharField(max_length=200)
    purpose = serializers.CharField()
    intended_uses = serializers.MultipleChoiceField(choices=IntendedUse.choices, allow_empty=False)
    requested_end_date = serializers.DateField()


class AcceptInputSerializer(serializers.Serializer):
    terms_sha256 = serializers.RegexField(r"^[0-9a-fA-F]{64}$", help_text="sha256 of the exact terms text you accept")


class ApproveInputSerializer(serializers.Serializer):
    expires_at = serializers.DateField()
    conditions = serializers.CharField(required=False, allow_blank=True, default="")


class CommentInputSerializer(serializers.Serializer):
    comment = serializers.CharField()


class ReasonInputSerializer(serializers.Serializer):
    reason = serializers.CharField()


class EmptySerializer(serializers.Serializer):
    pass


class CatalogueDatasetSerializer(serializers.ModelSerializer):
    organization = serializers.CharField(source="organization.name")
    approved_versions = serializers.SerializerMethodField()
    pii_summary = serializers.SerializerMethodField()

    class Meta:
        model = Dataset
        fields = ["id", "title", "description", "organization", "license", "attribution_text", "citation",
                  "tags", "use_terms", "time_limit_days", "approved_versions", "pii_summary"]

    @staticmethod
    def _approved(obj) -> list:
        # Prefetched for the page by selectors.with_approved_versions; read now otherwise.
        if hasattr(obj, "approved_list"):
            return obj.approved_list
        return list(obj.versions.filter(status="approved").order_by("-number"))

    def get_approved_versions(self, obj) -> list[dict]:
        return [{"id": v.pk, "number": v.number, "row_count": v.row_count, "scrubbed_sha256": v.scrubbed_sha256}
                for v in self._approved(obj)]

    def get_pii_summary(self, obj) -> dict:
        approved = self._approved(obj)
        return pii_summary(approved[0] if approved else None)
