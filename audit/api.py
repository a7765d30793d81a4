from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers
from rest_framework.generics import ListAPIView

from audit.models import AuditEvent
from config.pagination import LedgerCursorPagination
from audit.permissions import IsAuditor
from audit.selectors import AuditEventFilter


class AuditEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = AuditEvent
        fields = ["seq", "created_at", "actor_repr", "action", "target_type", "target_id", "target_repr",
                  "before", "after", "metadata", "prev_hash", "hash"]


@extend_schema_view(get=extend_schema(summary="List audit events (auditors)"))
class AuditEventListApi(ListAPIView):
    """The audit ledger, newest first (auditors only), in keyset (cursor) pages on seq."""

    permission_classes = [IsAuditor]
    serializer_class = AuditEventSerializer
    filterset_class = AuditEventFilter
    queryset = AuditEvent.objects.all()
    pagination_class = LedgerCursorPagination
