from django.db import transaction
from django.urls import path

from datasets_app import api

urlpatterns = [
    path("my-datasets/", api.DatasetListCreateApi.as_view(), name="api-dataset-list"),
    path("my-datasets/<int:pk>/", api.DatasetDetailApi.as_view(), name="api-dataset-detail"),
    # A long upload must not hold a database transaction open.
    path("my-datasets/<int:pk>/versions/", transaction.non_atomic_requests(api.VersionUploadApi.as_view()),
         name="api-version-upload"),
    path("dataset-versions/<int:pk>/", api.VersionDetailApi.as_view(), name="api-version-detail"),
    path("dataset-versions/<int:pk>/scrub/", api.VersionScrubApi.as_view(), name="api-version-scrub"),
    path("dataset-versions/<int:pk>/approve/", api.VersionApproveApi.as_view(), name="api-version-approve"),
    path("dataset-versions/<int:pk>/reject/", api.VersionRejectApi.as_view(), name="api-version-reject"),
    path("dataset-versions/<int:pk>/purge-raw/", api.VersionPurgeRawApi.as_view(), name="api-version-purge-raw"),
]
