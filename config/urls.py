from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from reliability import health

api_patterns = [
    path("", include("accounts.api_urls")),
    path("", include("audit.api_urls")),
    path("", include("datasets_app.api_urls")),
    path("", include("agreements.api_urls")),
    path("", include("training.api_urls")),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
]

urlpatterns = [
    path("", include("accounts.urls")),
    path("audit/", include("audit.urls")),
    path("datasets/", include("datasets_app.urls")),
    path("agreements/", include("agreements.urls")),
    path("training/", include("training.urls")),
    path("api/", include(api_patterns)),
    path("django-admin/", admin.site.urls),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
]
