from django.urls import path
from django.views.generic import RedirectView

from agreements import views

app_name = "agreements"
urlpatterns = [
    path("", RedirectView.as_view(pattern_name="agreements:list"), name="index"),
    path("list/", views.agreement_list, name="list"),
    path("catalogue/", views.catalogue, name="catalogue"),
    path("glossary/", views.glossary, name="glossary"),
    path("organisations/", views.organisation_options, name="organisation-options"),
    path("catalogue/<int:pk>/", views.dataset_detail, name="dataset-detail"),
    path("catalogue/<int:pk>/contributors/", views.contributor_add, name="contributor-add"),
    path("catalogue/<int:pk>/contributors/<int:contributor_pk>/remove/", views.contributor_remove,
         name="contributor-remove"),
    path("request/", views.request_new, name="request-new"),
    path("request/check/", views.request_check, name="request-check"),
    path("review/", views.review_queue, name="queue"),
    path("<int:pk>/", views.agreement_detail, name="detail"),
    path("<int:pk>/edit/", views.request_edit, name="edit"),
    path("<int:pk>/<slug:action>/", views.agreement_action, name="action"),
]
