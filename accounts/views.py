from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
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


# --- notifications (issue 13) ------------------------------------------------------------------
@login_required
def inbox(request):
    from accounts import notifications

    return render(request, "accounts/inbox.html", {"items": notifications.inbox_page(request.user)})


@login_required
def inbox_count(request):
    """htmx: the unread badge in the header, refreshed in place."""
    from accounts.notifications import unread_count

    return render(request, "accounts/_inbox_badge.html", {"unread_notifications": unread_count(request.user)})


@login_required
@require_POST
def inbox_open(request, pk: int):
    from accounts.models import Notification
    from accounts.notifications import notification_open

    item = get_object_or_404(Notification, pk=pk, user=request.user)
    notification_open(notification=item, actor=request.user)
    target = item.url if item.url.startswith("/") and not item.url.startswith("//") else "/inbox/"
    return redirect(target)


@login_required
@require_POST
def inbox_mark_all_read(request):
    from accounts.notifications import notifications_mark_all_read

    count = notifications_mark_all_read(actor=request.user)
    messages.success(request, f"{count} notification{'s' if count != 1 else ''} marked as read.")
    return redirect("inbox")


@login_required
def inbox_settings(request):
    from accounts.notifications import CATEGORIES, muted_categories, notification_settings_update

    if request.method == "POST":
        wanted = set(request.POST.getlist("email"))
        notification_settings_update(actor=request.user, email_muted=[c for c in CATEGORIES if c not in wanted])
        messages.success(request, "E-mail choices saved. Everything still reaches your inbox.")
        return redirect("inbox-settings")
    muted = set(muted_categories(request.user))
    rows = [{"key": k, "label": label, "email": k not in muted} for k, label in sorted(CATEGORIES.items())]
    return render(request, "accounts/inbox_settings.html", {"rows": rows})
