"""Improvement projects (charters, driver diagrams, PDSA cycles, progress scores) and
quality assurance (audit programmes, samples, templates, grading, learning)."""
