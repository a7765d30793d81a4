from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from accounts.registry import panels_for
from accounts.roles import Role


@login_required
def dashboard(request):
    panels = [
        {"title": p.title, "template": p.template, "context": p.context(request.user)}
        for p in panels_for(request.user)
    ]
    roles = [Role(r).label for r in sorted(request.user.roles) if r in Role._value2member_map_]
    return render(request, "accounts/dashboard.html", {"panels": panels, "role_labels": roles})
