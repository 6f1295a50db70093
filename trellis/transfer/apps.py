from django.apps import AppConfig


class TransferConfig(AppConfig):
    name = "trellis.transfer"
    label = "transfer"
    verbose_name = "Plan import and export"
