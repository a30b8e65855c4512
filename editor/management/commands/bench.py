"""``python manage.py bench``: time the editor on synthetic designs of 100, 1,000 and 5,000 workloads."""

from __future__ import annotations

import tempfile
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import connection

from benchmark import harness as bench


class Command(BaseCommand):
    help = (
        "Time compile, YAML render, edits through Django and more on synthetic designs (100, 1,000 and 5,000 "
        "workloads) in a scratch database; print a table of medians and p95s and write it to docs/benchmarks.md."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--quick",
            action="store_true",
            help="Small designs and few repetitions: checks that the benchmark runs (figures not to quote). "
            "Writes no file unless --output is given.",
        )
        parser.add_argument(
            "--output",
            type=Path,
            help="Markdown file to write the table into (default: docs/benchmarks.md; none with --quick).",
        )
        parser.add_argument("--no-browser", action="store_true", help="Skip the figure that drives headless Chromium.")
        parser.add_argument(
            "--strict",
            action="store_true",
            help="Stop at the first figure that fails (default: report it as not measured, with the error).",
        )
        parser.add_argument(
            "--in-place",
            action="store_true",
            help="Use the current database as it is instead of a scratch one (the test suite, which already "
            "runs in a throwaway database, uses this). Never point it at a database you care about.",
        )

    def handle(
        self, *args, quick: bool, output: Path | None, in_place: bool, no_browser: bool, strict: bool, **options
    ):
        if output is None and not quick:
            output = Path(settings.BASE_DIR) / "docs" / "benchmarks.md"

        def log(line: str) -> None:
            self.stderr.write(f"  {line}")

        browser = not no_browser
        report = (
            bench.run(quick=quick, browser=browser, strict=strict, log=log)
            if in_place
            else self._in_scratch_database(quick, browser, strict, log)
        )
        self.stdout.write(report.markdown())
        if output is not None:
            bench.write_markdown(output, report)
            self.stderr.write(f"Wrote the table to {output}.")

    def _in_scratch_database(self, quick: bool, browser: bool, strict: bool, log) -> bench.Report:
        """A throwaway database made like the test runner's (a temporary file for SQLite), removed afterwards."""
        old_name = connection.settings_dict["NAME"]
        with tempfile.TemporaryDirectory(prefix="policyeditor-bench-") as tmp:
            if connection.vendor == "sqlite":
                connection.settings_dict.setdefault("TEST", {})["NAME"] = str(Path(tmp) / "bench.sqlite3")
            self.stderr.write("Creating a scratch database…")
            connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
            try:
                return bench.run(quick=quick, browser=browser, strict=strict, log=log)
            finally:
                connection.creation.destroy_test_db(old_name, verbosity=0)
