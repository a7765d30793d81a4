"""The database itself refuses changes to an approved dataset version's frozen columns.

The ORM already refuses them (DatasetVersion.save / the queryset); this also stops raw SQL.
PostgreSQL additionally refuses deleting an approved version. SQLite gets no delete trigger:
its test databases are flushed with DELETE, and the ORM guard covers deletes there.
"""
from django.db import migrations

FROZEN_COLUMNS = (
    "dataset_id", "number", "status", "created_by_id", "raw_sha256", "raw_size", "format", "compressed",
    "columns", "row_count", "text_fields", "label_field", "operator", "scrubbed_file", "scrubbed_sha256",
    "scrubbed_size", "pii_report", "scrubber_config", "residual_count", "residual_override_reason",
    "approved_by_id", "approved_at",
)
TABLE = "datasets_app_datasetversion"
_CHANGED = " OR ".join(f'NEW."{c}" IS DISTINCT FROM OLD."{c}"' for c in FROZEN_COLUMNS)
_CHANGED_SQLITE = " OR ".join(f'NEW."{c}" IS NOT OLD."{c}"' for c in FROZEN_COLUMNS)

POSTGRES_CREATE = f"""
CREATE OR REPLACE FUNCTION datasetversion_frozen() RETURNS trigger AS $$
BEGIN
    IF OLD.status = 'approved' THEN
        IF TG_OP = 'DELETE' THEN
            RAISE EXCEPTION 'approved dataset version % is frozen: DELETE refused', OLD.id;
        END IF;
        IF {_CHANGED} THEN
            RAISE EXCEPTION 'approved dataset version % is frozen: UPDATE of a frozen column refused', OLD.id;
        END IF;
    END IF;
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS datasetversion_frozen ON {TABLE};
CREATE TRIGGER datasetversion_frozen BEFORE UPDATE OR DELETE ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION datasetversion_frozen();
"""
POSTGRES_DROP = f"""
DROP TRIGGER IF EXISTS datasetversion_frozen ON {TABLE};
DROP FUNCTION IF EXISTS datasetversion_frozen();
"""
SQLITE_CREATE = f"""
CREATE TRIGGER IF NOT EXISTS datasetversion_frozen BEFORE UPDATE ON {TABLE}
FOR EACH ROW WHEN OLD.status = 'approved' AND ({_CHANGED_SQLITE})
BEGIN
    SELECT RAISE(ABORT, 'approved dataset version is frozen: UPDATE of a frozen column refused');
END;
"""
SQLITE_DROP = "DROP TRIGGER IF EXISTS datasetversion_frozen;"


def _install(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_CREATE, params=None)  # no %-interpolation: the SQL contains "%"
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_CREATE, params=None)


def _remove(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_DROP, params=None)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("datasets_app", "0002_scrub_runs_and_pseudonyms")]
    operations = [migrations.RunPython(_install, _remove)]
