from django.db.models import QuerySet

from accounts.models import User
from accounts.roles import Role


def users_with_role(*, role: Role, organization=None) -> QuerySet[User]:
    qs = User.objects.filter(is_active=True, groups__name=role.value)
    if organization is not None:
        qs = qs.filter(organization=organization)
    return qs.distinct()
