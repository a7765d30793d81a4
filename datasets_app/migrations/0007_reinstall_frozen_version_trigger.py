"""Reinstall the freeze trigger (G2, G3) after the parallel 0005 migrations.

On SQLite, Django adds some columns (a positive integer with its CHECK, for instance) by copying the
table into a new one, and the copy carries no triggers: after `0005_version_heartbeat` the embedded
database no longer refused raw-SQL edits of an approved version. Installing it again last restores
that; a table rebuild by any later migration must do the same (tests/datasets_app/test_governance.py
fails on SQLite otherwise)."""
from importlib import import_module

from django.db import migrations

column_roles = import_module("datasets_app.migrations.0004_column_roles")


class Migration(migrations.Migration):
    dependencies = [("datasets_app", "0006_merge_parallel_work")]
    operations = [
        migrations.RunPython(column_roles._install(column_roles.FROZEN_AFTER), migrations.RunPython.noop),
    ]
