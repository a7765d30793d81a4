"""Plain-text refusals (a 403/404/410 body written for `curl`, such as a revoked model's download)
become the branded error page when a browser asked for HTML. API responses and htmx fragments keep
their bodies."""
from __future__ import annotations

from django.template.loader import render_to_string

BRANDED = {403: "403.html", 404: "404.html", 410: "410.html"}


class BrandedErrorPagesMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        template = BRANDED.get(response.status_code)
        if (
            template is None
            or getattr(response, "streaming", False)
            or not response.get("Content-Type", "").startswith("text/plain")
            or "text/html" not in request.headers.get("Accept", "")
            or request.path.startswith("/api/")
            or request.headers.get("HX-Request")
        ):
            return response
        reason = response.content.decode(response.charset or "utf-8", errors="replace").strip()
        context = {"reason": reason, "exception": reason} if response.status_code != 404 else {}
        response.content = render_to_string(template, context, request=request)
        response["Content-Type"] = "text/html; charset=utf-8"
        if response.has_header("Content-Length"):
            response["Content-Length"] = str(len(response.content))
        return response
