from django.urls import path

from training import views

app_name = "training"
urlpatterns = [
    path("", views.run_list, name="run-list"),
    path("launch/", views.run_launch, name="run-launch"),
    path("runs/<int:pk>/", views.run_detail, name="run-detail"),
    path("runs/<int:pk>/progress/", views.run_progress, name="run-progress"),
    path("runs/<int:pk>/cancel/", views.run_cancel, name="run-cancel"),
    path("runs/<int:pk>/download/<str:kind>/", views.run_artifact, name="run-artifact"),
]
