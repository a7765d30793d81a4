from django.contrib import admin
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.templatetags.static import static
from django.urls import include, path
from csp.constants import UNSAFE_INLINE
from csp.decorators import csp_update
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from reliability import health

api_patterns = [
    path("", include("accounts.api_urls")),
    path("", include("audit.api_urls")),
    path("", include("datasets_app.api_urls")),
    path("", include("agreements.api_urls")),
    path("", include("training.api_urls")),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # A page for people: signed-out visitors go to the sign-in form (the schema itself answers 401).
    # The split view loads its start-up script from a URL (no inline script under the CSP); Swagger
    # UI's page template keeps one small <style> element, allowed on this page only.
    path("docs/", login_required(csp_update({"style-src": [UNSAFE_INLINE]})(
        SpectacularSwaggerSplitView.as_view(url_name="api-schema"))), name="api-docs"),
]

urlpatterns = [
    # Browsers ask for /favicon.ico whatever the page says; answer with the static icon, never a 404.
    path("favicon.ico", lambda request: redirect(static("img/favicon.svg"), permanent=True)),
    path("", include("accounts.urls")),
    path("audit/", include("audit.urls")),
    path("datasets/", include("datasets_app.urls")),
    path("agreements/", include("agreements.urls")),
    path("training/", include("training.urls")),
    path("ops/", include("reliability.urls")),
    path("api/", include(api_patterns)),
    path("django-admin/", admin.site.urls),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
]
