"""Keep the id counters of tables a migration rebuilds on SQLite.

SQLite cannot add a NOT NULL column in place, so Django rebuilds the table, and the rebuilt
table's AUTOINCREMENT counter restarts at the highest id left in it: the id of the last deleted
row would be handed out again, and a deleted payer note's history would then read as the new
note's. ``keep_ids(*tables)`` gives two operations to put around the rebuilding ones; the
counters end where they were, in both directions. Nothing happens on other databases.
"""

from django.db import migrations

_saved: dict[str, int] = {}


def keep_ids(*tables: str) -> tuple[migrations.RunPython, migrations.RunPython]:
    def remember(apps, schema_editor) -> None:
        if schema_editor.connection.vendor != "sqlite":
            return
        with schema_editor.connection.cursor() as cursor:
            for table in tables:
                cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
                row = cursor.fetchone()
                _saved[table] = row[0] if row else 0

    def restore(apps, schema_editor) -> None:
        if schema_editor.connection.vendor != "sqlite":
            return
        with schema_editor.connection.cursor() as cursor:
            for table in tables:
                cursor.execute(
                    "UPDATE sqlite_sequence SET seq = MAX(seq, %s) WHERE name = %s",
                    [_saved.pop(table, 0), table],
                )

    return (
        migrations.RunPython(remember, restore, elidable=False),
        migrations.RunPython(restore, remember, elidable=False),
    )
