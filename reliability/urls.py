from django.urls import path

from reliability import views

app_name = "reliability"
urlpatterns = [
    path("", views.operations, name="operations"),
]
