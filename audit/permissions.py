from rest_framework.permissions import BasePermission

from accounts.rules import is_auditor


class IsAuditor(BasePermission):
    message = "Only auditors read the audit ledger."

    def has_permission(self, request, view) -> bool:
        return bool(is_auditor(request.user))
