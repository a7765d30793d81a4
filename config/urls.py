from django.contrib import admin
from django.shortcuts import redirect
from django.templatetags.static import static
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

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
    # Browsers ask for /favicon.ico whatever the page says; answer with the static icon, never a 404.
    path("favicon.ico", lambda request: redirect(static("img/favicon.svg"), permanent=True)),
    path("", include("accounts.urls")),
    path("audit/", include("audit.urls")),
    path("datasets/", include("datasets_app.urls")),
    path("agreements/", include("agreements.urls")),
    path("training/", include("training.urls")),
    path("api/", include(api_patterns)),
    path("django-admin/", admin.site.urls),
]
