"""Backup and restore of one partnership (docs/backup.md).

Not a Django app: it reads the app registry to find every model, and is driven by the
operator commands `trellis backup` and `trellis restore` (trellis/audit/management)."""
