from django.apps import AppConfig


class ImprovementConfig(AppConfig):
    name = "trellis.improvement"
    label = "improvement"
    verbose_name = "Improvement projects and quality assurance"
