"""Writes for improvement projects (projects.py, cycles.py) and quality assurance
(templates.py, audits.py, grading.py, learning.py). Each checks permission, validates,
writes in one transaction, refuses a stale version and audits (trellis.writes)."""
