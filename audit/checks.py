from django.conf import settings
from django.core.checks import Error, Tags, register


@register(Tags.security, deploy=True)
def audit_key_configured(app_configs, **kwargs):
    """G8: production must key the ledger from the environment (`check --deploy` fails otherwise)."""
    if settings.AUDIT_HMAC_KEY and settings.AUDIT_HMAC_KEY_ID:
        if len(settings.AUDIT_HMAC_KEY) < 32:
            return [Error("AUDIT_HMAC_KEY is shorter than 32 characters.", id="audit.E002",
                          hint="Generate one with `manage.py audit_rotate_key`.")]
        return []
    return [Error("AUDIT_HMAC_KEY is not set: audit events cannot be written.", id="audit.E001",
                  hint="Set AUDIT_HMAC_KEY and AUDIT_HMAC_KEY_ID in the environment (see README, Security).")]
