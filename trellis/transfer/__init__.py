"""Bringing plans in (import from Word, Excel, CSV, PDF and text, with review) and taking
them out (xlsx, csv, docx and a documented JSON)."""
