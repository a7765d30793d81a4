"""The operations page: thin. ML ops admins only (G6: a read-only view of queues and workers that
still names which worker runs what)."""
from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from accounts.rules import is_admin
from reliability.operations import operations_overview


@login_required
@never_cache
def operations(request):
    if not is_admin(request.user):
        raise PermissionDenied("Only admins (ML ops) see the operations page.")
    return render(request, "reliability/operations.html", {"overview": operations_overview()})
