from pathlib import Path

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from codes.loader import DATA_DIR, load
from codes.records import DataError


class Command(BaseCommand):
    help = (
        "Load the curated reference dataset (codes/data/*.toml). Idempotent; one transaction; "
        "payer notes edited since they were loaded are kept."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--data-dir", type=Path, default=DATA_DIR, help="folder with the dataset's TOML files"
        )

    def handle(self, *args, data_dir: Path, **options):
        try:
            report = load(data_dir)
        except DataError as error:
            raise CommandError(f"Bad reference data, nothing written. {error}") from None
        for line in report.lines():
            self.stdout.write(line)
        self.stdout.write(
            self.style.SUCCESS("Reference data loaded.") if report.changed else "Nothing changed."
        )
        if data_dir == DATA_DIR:
            # The question bank cites the reference data, so it loads right after it.
            call_command("load_questions", stdout=self.stdout)
