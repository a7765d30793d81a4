from django.urls import path

from agreements import api

# GET /api/datasets/ is the researcher catalogue (filters, PII summary, approved versions only);
# a steward's own datasets, uploads included, are the datasets app's /api/my-datasets/.
urlpatterns = [
    path("datasets/", api.CatalogueListApi.as_view(), name="api-catalogue"),
    path("access-requests/", api.AccessRequestCreateApi.as_view(), name="api-access-request-create"),
    path("agreements/", api.AgreementListApi.as_view(), name="api-agreement-list"),
    path("agreements/<int:pk>/", api.AgreementDetailApi.as_view(), name="api-agreement-detail"),
    path("agreements/<int:pk>/submit/", api.AgreementSubmitApi.as_view(), name="api-agreement-submit"),
    path("agreements/<int:pk>/accept/", api.AgreementAcceptApi.as_view(), name="api-agreement-accept"),
    path("agreements/<int:pk>/countersign/", api.AgreementCountersignApi.as_view(), name="api-agreement-countersign"),
    path("agreements/<int:pk>/review/", api.AgreementReviewApi.as_view(), name="api-agreement-review"),
    path("agreements/<int:pk>/approve/", api.AgreementApproveApi.as_view(), name="api-agreement-approve"),
    path("agreements/<int:pk>/return/", api.AgreementReturnApi.as_view(), name="api-agreement-return"),
    path("agreements/<int:pk>/reject/", api.AgreementRejectApi.as_view(), name="api-agreement-reject"),
    path("agreements/<int:pk>/revoke/", api.AgreementRevokeApi.as_view(), name="api-agreement-revoke"),
    path("agreements/<int:pk>/withdraw/", api.AgreementWithdrawApi.as_view(), name="api-agreement-withdraw"),
]
