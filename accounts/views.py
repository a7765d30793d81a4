from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts.registry import panels_for
from accounts.roles import Role
from accounts.tokens import api_token_create, api_token_revoke, api_tokens_of
from config.exceptions import ApplicationError


@login_required
def dashboard(request):
    panels = [
        {"title": p.title, "template": p.template, "context": p.context(request.user)}
        for p in panels_for(request.user)
    ]
    roles = [Role(r).label for r in sorted(request.user.roles) if r in Role._value2member_map_]
    return render(request, "accounts/dashboard.html", {"panels": panels, "role_labels": roles})


@login_required
def api_tokens(request):
    """Personal API tokens: create one with a name (its key is shown on this response only), see
    when each was created and last used, revoke."""
    new_key, error, status = None, None, 200
    if request.method == "POST":
        try:
            token, new_key = api_token_create(name=request.POST.get("name", ""), actor=request.user)
        except ApplicationError as exc:
            error, status = exc.message, exc.status
    response = render(request, "accounts/api_tokens.html", {
        "tokens": api_tokens_of(request.user)[:100], "new_key": new_key, "error": error,
        "name": request.POST.get("name", "") if error else "",
    }, status=status)
    response["Cache-Control"] = "no-store"  # the new key must not sit in a cache
    return response


@login_required
@require_POST
def api_token_revoke_view(request, pk: int):
    token = api_tokens_of(request.user).filter(pk=pk).first()
    if token is None:
        raise Http404("No such token.")
    try:
        api_token_revoke(token=token, actor=request.user)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Token “{token.name}” revoked; requests that use it are refused from now on.")
    return redirect("api-tokens")
