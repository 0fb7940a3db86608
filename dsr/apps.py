from django.apps import AppConfig


class DsrConfig(AppConfig):
    name = "dsr"
    verbose_name = "Data-subject requests"

    def ready(self) -> None:
        from dsr.api import webhooks  # noqa: F401 (connects the Event -> webhook signal)
