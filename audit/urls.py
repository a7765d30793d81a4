from django.urls import path, re_path

from audit import views

app_name = "audit"
urlpatterns = [
    path("", views.event_list, name="event-list"),
    path("verify/", views.verify, name="verify"),
    path("verify/start/", views.verify_start, name="verify-start"),
    path("verify/<int:pk>/", views.verification_detail, name="verification"),
    re_path(r"^checkpoints/(?P<name>checkpoint-[0-9]{12}-[0-9T]+Z(?:_[A-Za-z0-9]+)?\.json)$",
            views.checkpoint_download, name="checkpoint"),
    re_path(r"^export\.(?P<fmt>csv|json)$", views.export, name="export"),
]
