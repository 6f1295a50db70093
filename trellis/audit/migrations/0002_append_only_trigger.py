"""On PostgreSQL, refuse UPDATE and DELETE of audit entries (and DELETE of the chain head).

A trigger raises `insufficient_privilege` unless the transaction has set
`trellis.audit_maintenance` to 'on' (`trellis.audit.services.audit_maintenance`), which only
the documented maintenance paths do. The trigger fires per row, so TRUNCATE (Django's test
flush, `trellis restore --replace`) is not affected: refusing it is the database role's job
(docs/deploy.md). SQLite has no such guard; nothing is created there.
"""

from django.db import migrations

FUNCTION = "trellis_audit_refuse_change"
TRIGGERS = {
    # table model: (trigger name, events)
    "AuditEntry": ("audit_auditentry_append_only", "UPDATE OR DELETE"),
    "AuditChainHead": ("audit_auditchainhead_keep", "DELETE"),
}

CREATE_FUNCTION = f"""
CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF coalesce(current_setting('trellis.audit_maintenance', true), '') = 'on' THEN
        IF TG_OP = 'DELETE' THEN
            RETURN OLD;
        END IF;
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'the audit log is append-only: % on % refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege',
              HINT = 'Only documented maintenance sets trellis.audit_maintenance.';
END
$$
"""


def _tables(apps):
    return {name: apps.get_model("audit", name)._meta.db_table for name in TRIGGERS}


def create_guard(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(CREATE_FUNCTION, params=None)
    for name, table in _tables(apps).items():
        trigger, events = TRIGGERS[name]
        schema_editor.execute(
            f"CREATE TRIGGER {trigger} BEFORE {events} ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION {FUNCTION}()"
        )


def drop_guard(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, table in _tables(apps).items():
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {TRIGGERS[name][0]} ON {table}")
    schema_editor.execute(f"DROP FUNCTION IF EXISTS {FUNCTION}()")


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [migrations.RunPython(create_guard, drop_guard)]
