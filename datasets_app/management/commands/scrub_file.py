"""Scrub a local CSV/JSONL(.gz) file with exactly the pipeline versions go through, and print
the JSON report. How operators try a scrubber configuration, and how quality is measured."""
from __future__ import annotations

import json
import os

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from datasets_app import scrub_runner
from datasets_app.scrubbing import ScrubInputError, scrub_file
from datasets_app.scrubbing.config import KEYED_OPERATORS, OPERATORS


class Command(BaseCommand):
    help = (
        "Scrub INPUT into OUTPUT (same format, uncompressed; every other field and the row order kept) "
        "and print the JSON report to stdout."
    )

    def add_arguments(self, parser):
        parser.add_argument("input")
        parser.add_argument("output")
        parser.add_argument("--format", choices=["csv", "jsonl"], help="default: from the file name or content")
        parser.add_argument("--text-fields", help="comma-separated columns to scrub (default: every column)")
        parser.add_argument(
            "--keep-fields",
            help="comma-separated columns written as they are; with it, every other column is dropped "
            "(what a version's label/keep roles do). Default: every column is written.",
        )
        parser.add_argument("--operator", choices=list(OPERATORS), default="replace")
        parser.add_argument(
            "--secret", default=os.environ.get("ACCORD_PSEUDONYM_SECRET", ""),
            help="key for --operator pseudonym or surrogate (default: $ACCORD_PSEUDONYM_SECRET)",
        )
        parser.add_argument("--token-label-field", default=None,
                            help="a kept column of NER spans or BIO tags over the one text field: re-mapped "
                            "onto the scrubbed text")
        parser.add_argument("--workers", type=int, default=0, help="processes (default: one per CPU)")
        parser.add_argument("--max-line-bytes", type=int, default=settings.ACCORD_MAX_LINE_BYTES)

    def handle(self, *args, **options):
        if options["operator"] in KEYED_OPERATORS and not options["secret"]:
            raise CommandError(f"--operator {options['operator']} needs --secret (or ACCORD_PSEUDONYM_SECRET).")
        fmt = options["format"] or scrub_runner.format_from_name(options["input"])
        try:
            if options["text_fields"]:
                text_fields = [f.strip() for f in options["text_fields"].split(",") if f.strip()]
            else:
                info = scrub_runner.inspect_file(options["input"], fmt=fmt, max_line_bytes=options["max_line_bytes"])
                text_fields, fmt = info.columns, info.format
            config = scrub_runner.config_for(
                operator=options["operator"], pseudonym_secret=options["secret"],
                max_line_bytes=options["max_line_bytes"], workers=options["workers"],
            )
            keep = None
            if options["keep_fields"] is not None:
                keep = [f.strip() for f in options["keep_fields"].split(",") if f.strip()]
            report = scrub_file(options["input"], options["output"], fmt=fmt, text_fields=text_fields, config=config,
                                keep_fields=keep, token_label_field=options["token_label_field"])
        except ScrubInputError as exc:
            raise CommandError(f"{options['input']}: {exc}") from exc
        except ValueError as exc:  # a configuration the core refuses
            raise CommandError(str(exc)) from exc
        self.stdout.write(json.dumps(report, indent=2, sort_keys=True))
