"""Improvement projects (charters, driver diagrams, PDSA cycles) and quality assurance
(templates, audit programmes, samples, grades, learning), one module each."""

from trellis.improvement.models.assurance import (
    Audit,
    AuditProgramme,
    AuditTemplate,
    CaseGrade,
    LearningPoint,
    Moderation,
    Question,
    ResultMeasure,
    SampledCase,
    Scope,
    TemplateVersion,
)
from trellis.improvement.models.projects import (
    SCORES,
    Decision,
    DriverNode,
    NodeKind,
    PdsaCycle,
    Project,
)

__all__ = [
    "SCORES",
    "Audit",
    "AuditProgramme",
    "AuditTemplate",
    "CaseGrade",
    "Decision",
    "DriverNode",
    "LearningPoint",
    "Moderation",
    "NodeKind",
    "PdsaCycle",
    "Project",
    "Question",
    "ResultMeasure",
    "SampledCase",
    "Scope",
    "TemplateVersion",
]
