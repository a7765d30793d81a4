"""Trigram (pg_trgm) GIN indexes for the catalogue's and the datasets list's search, on PostgreSQL.

The search is a case-insensitive substring match per word (`icontains`: `UPPER(col) LIKE
UPPER('%word%')`), which no B-tree serves: without these, every search read the whole datasets
table. A GIN index over the trigrams of `UPPER(col)` serves that very expression (as Django writes
it), and ANALYZE keeps statistics for the indexed expressions, so the planner also knows when a word
matches most datasets and walks the title index for the first page instead.

SQLite has no pg_trgm: there the search stays a scan (the embedded default holds small catalogues).
The indexes live outside the model state (a GIN index cannot be declared for both databases).
"""
from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

INDEXES = {
    "dataset_title_trgm": 'UPPER("title"::text)',
    "dataset_description_trgm": 'UPPER("description"::text)',
    "dataset_tags_trgm": 'UPPER("tags"::text)',
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, expression in INDEXES.items():
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "{name}" ON "datasets_app_dataset" USING gin (({expression}) gin_trgm_ops)')
    schema_editor.execute('ANALYZE "datasets_app_dataset"')  # statistics for the indexed expressions


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


class Migration(migrations.Migration):
    dependencies = [("datasets_app", "0007_reinstall_frozen_version_trigger")]
    operations = [
        TrigramExtension(),  # CREATE EXTENSION pg_trgm on PostgreSQL; nothing elsewhere
        migrations.RunPython(create, drop),
    ]
