"""REST API for the catalogue, access requests and agreement transitions. Thin: parse, call one
service, render. Refusals come back as {"message", "code", "reasons"} with 400/403/409."""
from __future__ import annotations

from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import generics, status
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from agreements import rules as agreement_rules
from agreements import services
from agreements.filters import CatalogueFilter
from agreements.models import Agreement, Countersignature
from datasets_app.models import DatasetVersion
from agreements.selectors import (
    agreement_get_visible, agreements_problems, agreements_visible_to, catalogue_visible_to,
    with_approved_versions,
)
from config.exceptions import ApplicationError
from agreements.serializers import (
    AcceptInputSerializer, AccessRequestInputSerializer, AgreementSerializer, ApproveInputSerializer,
    CatalogueDatasetSerializer, CommentInputSerializer, EmptySerializer, ReasonInputSerializer,
)


class CanBrowseCatalogue(BasePermission):
    message = "The catalogue is for researchers, legal and admins."

    def has_permission(self, request, view) -> bool:
        return bool(agreement_rules.can_browse_catalogue(request.user))


def client_ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR")


@extend_schema_view(get=extend_schema(summary="Browse the dataset catalogue"))
class CatalogueListApi(generics.ListAPIView):
    """Datasets researchers can browse: metadata, terms, licence and PII summary — never rows."""

    serializer_class = CatalogueDatasetSerializer
    filterset_class = CatalogueFilter
    permission_classes = [IsAuthenticated, CanBrowseCatalogue]

    def get_queryset(self):
        # Only datasets with an approved version, whatever `?status=` asks (a contributor's own
        # organisation's datasets aside): never-approved descriptions stay private (G7).
        return with_approved_versions(catalogue_visible_to(self.request.user).order_by("title", "pk"))


@extend_schema_view(get=extend_schema(summary="List the agreements you may see"))
class AgreementListApi(generics.ListAPIView):
    serializer_class = AgreementSerializer

    def get_queryset(self):
        # The versions and signatures with what the serializer shows of them (no version's JSON columns).
        versions = DatasetVersion.objects.select_related("dataset__organization").only(
            "id", "status", "number", "scrubbed_sha256", "dataset__title", "dataset__organization__name")
        signatures = Countersignature.objects.select_related("organization", "signed_by").only(
            "id", "agreement", "signed_at", "terms_sha256", "organization__name", "signed_by__username")
        return agreements_visible_to(self.request.user).select_related("terms_template").prefetch_related(
            Prefetch("access_request__dataset_versions", queryset=versions),
            Prefetch("countersignatures", queryset=signatures)).order_by("-created_at", "-pk")

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "problems": getattr(self, "_page_problems", None)}

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        # In force or not, for the whole page in a fixed number of queries (G4: the same rules).
        self._page_problems = agreements_problems(page if page is not None else queryset)
        return page


@extend_schema_view(get=extend_schema(summary="Read an agreement"))
class AgreementDetailApi(generics.RetrieveAPIView):
    serializer_class = AgreementSerializer

    def get_queryset(self):
        return agreements_visible_to(self.request.user)


class AccessRequestCreateApi(APIView):
    @extend_schema(summary="Request access (creates a draft agreement)", request=AccessRequestInputSerializer,
                   responses={201: AgreementSerializer})
    def post(self, request):
        data = AccessRequestInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        agreement = services.access_request_create(
            dataset_versions=data.validated_data["dataset_versions"],
            project_title=data.validated_data["project_title"], purpose=data.validated_data["purpose"],
            intended_uses=sorted(data.validated_data["intended_uses"]),
            requested_end_date=data.validated_data["requested_end_date"], actor=request.user,
        )
        return Response(AgreementSerializer(agreement).data, status=status.HTTP_201_CREATED)


class _TransitionApi(APIView):
    """POST /api/agreements/{id}/<action>/. An agreement the caller may not see answers 404, exactly
    like one that does not exist (no existence oracle); for the rest the service decides 403 / 409."""

    input_serializer = EmptySerializer

    def perform(self, request, agreement: Agreement, data: dict):
        raise NotImplementedError

    def post(self, request, pk: int):
        agreement = agreement_get_visible(user=request.user, pk=pk)
        if agreement is None:
            raise ApplicationError(f"Agreement #{pk} does not exist.", status=404, code="not_found")
        data = self.input_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        result = self.perform(request, agreement, data.validated_data)
        agreement = Agreement.objects.get(pk=getattr(result, "agreement_id", None) or result.pk)
        return Response(AgreementSerializer(agreement).data)

    @classmethod
    def build(cls, name: str, serializer, perform, summary: str):
        # A new function per action: extend_schema annotates the function it is given, so decorating the
        # shared `_TransitionApi.post` gave all eight actions the last summary ("Revoke").
        def post(self, request, pk: int):
            return _TransitionApi.post(self, request, pk)

        post = extend_schema(request=serializer, responses={200: AgreementSerializer}, summary=summary,
                             description=perform.__doc__ or "")(post)
        return type(name, (cls,), {"input_serializer": serializer, "perform": perform, "post": post})


def _submit(self, request, agreement, data):
    return services.agreement_submit(agreement=agreement, actor=request.user)


def _accept(self, request, agreement, data):
    """The researcher accepts the exact text (its sha256): before submitting, or, once legal approved
    with conditions, the amended text that names them (409 for any other text)."""
    return services.agreement_accept_terms(agreement=agreement, terms_sha256=data["terms_sha256"],
                                           ip=client_ip(request), actor=request.user)


def _countersign(self, request, agreement, data):
    return services.agreement_countersign(agreement=agreement, ip=client_ip(request), actor=request.user)


def _start_review(self, request, agreement, data):
    return services.agreement_start_review(agreement=agreement, actor=request.user)


def _approve(self, request, agreement, data):
    """Legal approves with an expiry date. Conditions become part of the terms: the agreement goes back
    to the researcher (state conditions_pending, not in force) to accept the amended text."""
    return services.agreement_approve(agreement=agreement, expires_at=data["expires_at"],
                                      conditions=data.get("conditions", ""), actor=request.user)


def _return(self, request, agreement, data):
    return services.agreement_return(agreement=agreement, comment=data["comment"], actor=request.user)


def _reject(self, request, agreement, data):
    return services.agreement_reject(agreement=agreement, reason=data["reason"], actor=request.user)


def _withdraw(self, request, agreement, data):
    """The researcher who made the request, while it is a draft, submitted or returned, or to decline
    the conditions legal approved it with."""
    return services.agreement_withdraw(agreement=agreement, actor=request.user)


def _revoke(self, request, agreement, data):
    return services.agreement_revoke(agreement=agreement, reason=data["reason"], actor=request.user)


AgreementSubmitApi = _TransitionApi.build("AgreementSubmitApi", EmptySerializer, _submit, "Submit for legal review")
AgreementAcceptApi = _TransitionApi.build("AgreementAcceptApi", AcceptInputSerializer, _accept,
                                          "Accept the exact terms text, or its amendment (by its sha256)")
AgreementCountersignApi = _TransitionApi.build("AgreementCountersignApi", EmptySerializer, _countersign,
                                               "Countersign for your organisation's datasets")
AgreementReviewApi = _TransitionApi.build("AgreementReviewApi", EmptySerializer, _start_review, "Take into review")
AgreementApproveApi = _TransitionApi.build("AgreementApproveApi", ApproveInputSerializer, _approve,
                                           "Approve with an expiry date and optional conditions")
AgreementReturnApi = _TransitionApi.build("AgreementReturnApi", CommentInputSerializer, _return,
                                          "Return with comments")
AgreementRejectApi = _TransitionApi.build("AgreementRejectApi", ReasonInputSerializer, _reject, "Reject with a reason")
AgreementRevokeApi = _TransitionApi.build("AgreementRevokeApi", ReasonInputSerializer, _revoke,
                                          "Revoke an agreement in force (stops dependent runs)")
AgreementWithdrawApi = _TransitionApi.build("AgreementWithdrawApi", EmptySerializer, _withdraw,
                                            "Withdraw your request or decline legal's conditions")
