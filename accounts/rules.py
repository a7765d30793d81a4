"""Role predicates (django-rules), shared by services, the API and the templates."""
import rules

from accounts.roles import Role


def _has_role(role: Role):
    @rules.predicate(name=f"is_{role.value}")
    def predicate(user) -> bool:
        return bool(user and user.is_authenticated and user.has_role(role))

    return predicate


is_contributor = _has_role(Role.CONTRIBUTOR)
is_researcher = _has_role(Role.RESEARCHER)
is_legal = _has_role(Role.LEGAL)
is_admin = _has_role(Role.ADMIN)
is_auditor = _has_role(Role.AUDITOR)

# As rules (rules.test_rule, {% test_rule %}) and as permissions (user.has_perm, {{ perms.accounts.is_legal }}).
for _name, _predicate in {
    "is_contributor": is_contributor,
    "is_researcher": is_researcher,
    "is_legal": is_legal,
    "is_admin": is_admin,
    "is_auditor": is_auditor,
}.items():
    rules.add_rule(f"accounts.{_name}", _predicate)
    rules.add_perm(f"accounts.{_name}", _predicate)
