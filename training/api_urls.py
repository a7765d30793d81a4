from django.urls import path

from training import api

urlpatterns = [
    path("base-models/", api.BaseModelListApi.as_view(), name="api-base-models"),
    path("training-runs/", api.TrainingRunListCreateApi.as_view(), name="api-training-runs"),
    path("training-runs/<int:pk>/", api.TrainingRunDetailApi.as_view(), name="api-training-run"),
    path("training-runs/<int:pk>/cancel/", api.TrainingRunCancelApi.as_view(), name="api-training-run-cancel"),
    path("training-runs/<int:pk>/artifacts/<str:kind>/", api.TrainingRunArtifactApi.as_view(),
         name="api-training-run-artifact"),
]
