from django.urls import path

from datasets_app import views

app_name = "datasets"
urlpatterns = [
    path("", views.dataset_list, name="dataset-list"),
    path("new/", views.dataset_create, name="dataset-create"),
    path("<int:pk>/", views.dataset_detail, name="dataset-detail"),
    path("<int:pk>/edit/", views.dataset_edit, name="dataset-edit"),
    path("<int:pk>/upload/", views.version_upload, name="version-upload"),
    path("versions/<int:pk>/", views.version_detail, name="version-detail"),
    path("versions/<int:pk>/progress/", views.version_progress, name="version-progress"),
    path("versions/<int:pk>/scrub/", views.version_scrub, name="version-scrub"),
    path("versions/<int:pk>/approve/", views.version_approve, name="version-approve"),
    path("versions/<int:pk>/reject/", views.version_reject, name="version-reject"),
    path("versions/<int:pk>/archive/", views.version_archive, name="version-archive"),
    path("versions/<int:pk>/purge-raw/", views.version_purge_raw, name="version-purge-raw"),
]
