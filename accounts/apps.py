from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts and roles"

    def ready(self) -> None:
        from accounts import rules  # noqa: F401  (registers the role predicates)
        from accounts import signals  # noqa: F401  (audits role and permission changes, G8)
        from accounts.registry import register_nav

        from accounts.roles import ALL_ROLES

        register_nav("Dashboard", "dashboard", roles=ALL_ROLES, order=0)
