from django.apps import AppConfig


class ProgressConfig(AppConfig):
    name = "trellis.progress"
    label = "progress"
    verbose_name = "Progress cycle"
