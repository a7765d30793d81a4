from django.urls import reverse

from accounts.registry import nav_for


def navigation(request) -> dict:
    user = getattr(request, "user", None)
    if not (user and user.is_authenticated):
        return {"nav_items": []}
    current = request.path
    items = []
    for item in nav_for(user):
        url = reverse(item.url_name)
        items.append({"label": item.label, "url": url, "active": current.startswith(url) and url != "/"})
    return {"nav_items": items}
