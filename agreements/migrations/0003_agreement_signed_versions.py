"""Agreements store, at acceptance, the dataset versions (id + scrubbed sha256) their text names.

Existing accepted agreements are back-filled from their request's versions, keeping only those
whose sha256 the accepted text itself names (the text is what was signed)."""
from django.db import migrations, models


def backfill(apps, schema_editor):
    Agreement = apps.get_model("agreements", "Agreement")
    for agreement in Agreement.objects.exclude(accepted_at=None).iterator():
        if not agreement.accepted_sha256 or agreement.accepted_sha256 != agreement.terms_sha256:
            continue
        versions = agreement.access_request.dataset_versions.all()
        agreement.signed_versions = [
            {"id": v.pk, "sha256": v.scrubbed_sha256} for v in versions
            if v.scrubbed_sha256 and f"sha256 {v.scrubbed_sha256}" in agreement.terms_text
        ]
        agreement.save(update_fields=["signed_versions"])


class Migration(migrations.Migration):
    dependencies = [("agreements", "0002_seed_terms_template"), ("datasets_app", "0001_initial")]
    operations = [
        migrations.AddField(model_name="agreement", name="signed_versions",
                            field=models.JSONField(blank=True, default=list)),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
