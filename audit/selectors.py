from __future__ import annotations

import django_filters
from django import forms
from django.apps import apps
from django.db.models import Max, QuerySet

from audit.models import AuditEvent
from config.filters import BoundedIsoDateTimeFilter


# The apps whose objects the ledger records (role changes name auth's groups).
_LEDGER_APPS = ("accounts", "auth", "audit", "reliability", "datasets_app", "agreements", "training")


def object_type_names() -> dict[str, str]:
    """`app.model` as stored in `target_type` -> the name a person reads ("Dataset version")."""
    return {model._meta.label_lower: str(model._meta.verbose_name).capitalize()
            for model in apps.get_models() if model._meta.app_label in _LEDGER_APPS}


def _object_type_choices() -> list[tuple[str, str]]:
    return sorted(object_type_names().items(), key=lambda item: item[1])


class AuditEventFilter(django_filters.FilterSet):
    # Prefix and exact matches only, each served by an index ending in `seq` (audit migrations):
    # a substring or case-folded match would read all of a million events for one page.
    action = django_filters.CharFilter(lookup_expr="startswith", label="Action starts with")
    actor = django_filters.CharFilter(field_name="actor_repr", label="Actor (username)")
    target_type = django_filters.ChoiceFilter(label="Object type", choices=_object_type_choices,
                                              empty_label="Any object")
    target_id = django_filters.CharFilter(label="Object id")
    since = BoundedIsoDateTimeFilter(
        field_name="created_at", lookup_expr="gte", label="From",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    until = BoundedIsoDateTimeFilter(
        field_name="created_at", lookup_expr="lte", label="Until",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )

    class Meta:
        model = AuditEvent
        fields = ["action", "actor", "target_type", "target_id", "since", "until"]


def events_filtered(*, params) -> QuerySet[AuditEvent]:
    return AuditEventFilter(params, queryset=AuditEvent.objects.all()).qs


def events_for(*, target) -> QuerySet[AuditEvent]:
    return AuditEvent.objects.filter(target_type=target._meta.label_lower, target_id=str(target.pk)).order_by("seq")


def dashboard_summary(user) -> dict:
    # The newest seq, not COUNT(*) over the ledger: seq numbers the chain from 1 without gaps
    # (audit_verify proves it), so it is the count, read from the unique index.
    return {
        "event_count": AuditEvent.objects.aggregate(n=Max("seq"))["n"] or 0,
        "recent": list(AuditEvent.objects.order_by("-seq")[:5]),
    }


EXPORT_FIELDS = (
    "seq", "created_at", "actor_repr", "action", "target_type", "target_id", "target_repr",
    "before", "after", "metadata", "prev_hash", "hash",
)


def event_as_dict(event: AuditEvent) -> dict:
    return {
        "seq": event.seq,
        "created_at": event.created_at.isoformat(),
        "actor": event.actor_repr,
        "actor_id": event.actor_id,
        "action": event.action,
        "target_type": event.target_type,
        "target_id": event.target_id,
        "target_repr": event.target_repr,
        "before": event.before,
        "after": event.after,
        "metadata": event.metadata,
        "prev_hash": event.prev_hash,
        "hash": event.hash,
    }
