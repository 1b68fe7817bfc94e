from django.apps import AppConfig


class CodesConfig(AppConfig):
    name = "codes"
    verbose_name = "Reference data"

    def ready(self) -> None:
        from codes import signals

        signals.connect()
