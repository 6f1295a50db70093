from django.apps import AppConfig


class CasedataConfig(AppConfig):
    name = "trellis.casedata"
    label = "casedata"
    verbose_name = "Case-level data"
