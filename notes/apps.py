from django.apps import AppConfig


class NotesConfig(AppConfig):
    name = "notes"
    verbose_name = "Payer notes"

    def ready(self) -> None:
        from codes import signals
        from notes.models import PayerNote

        # An edited note changes the code and payer pages: their caches must not outlive it.
        signals.watch(PayerNote)
