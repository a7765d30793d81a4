from django.urls import path, re_path

from audit import views

app_name = "audit"
urlpatterns = [
    path("", views.event_list, name="event-list"),
    path("verify/", views.verify, name="verify"),
    re_path(r"^export\.(?P<fmt>csv|json)$", views.export, name="export"),
]
