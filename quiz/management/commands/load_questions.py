from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from codes.records import DataError
from quiz.loader import DATA_DIR, load


class Command(BaseCommand):
    help = (
        "Load the question bank and quizzes (quiz/data/). Run after load_reference. "
        "Idempotent; one transaction; bad data names the file and the record."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--data-dir", type=Path, default=DATA_DIR, help="folder with quizzes.toml"
        )

    def handle(self, *args, data_dir: Path, **options):
        try:
            report = load(data_dir)
        except DataError as error:
            raise CommandError(f"Bad question data, nothing written. {error}") from None
        for line in report.lines():
            self.stdout.write(line)
        self.stdout.write(
            self.style.SUCCESS("Questions loaded.") if report.changed else "Nothing changed."
        )
