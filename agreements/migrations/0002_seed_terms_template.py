"""Seed version 1 of the agreement text. Later versions are added as new rows (new migrations
or the admin); agreements keep the exact text they were rendered with."""
from django.db import migrations

from agreements.terms_default import TERMS_V1


def seed(apps, schema_editor):
    TermsTemplate = apps.get_model("agreements", "TermsTemplate")
    TermsTemplate.objects.get_or_create(
        version=1, defaults={"title": "Accord data access agreement", "body": TERMS_V1}
    )


def unseed(apps, schema_editor):
    apps.get_model("agreements", "TermsTemplate").objects.filter(version=1).delete()


class Migration(migrations.Migration):
    dependencies = [("agreements", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
