"""Payer notes move to the notes app: their tables are renamed to the notes app's names here,
with every row in them, and the models leave this app's state (notes 0001 takes them up).

A renamed table keeps its rows, its ids and where its id sequences stand (PostgreSQL identity
columns, SQLite's AUTOINCREMENT counters), and the foreign key of the notes-codes table that
points to it. What a rename leaves behind are the names of its indexes, constraints and
sequences, made from the old table name; they are renamed too, to the names a table created
under the new name gets, because Django finds some of them by name (on PostgreSQL the `_like`
indexes of text columns, when a field's type or uniqueness changes), and a new table in
`codes` could one day want the old names. Fresh and old databases take the same path, so they
end up with the same schema.
"""

from django.db import migrations

# Old table → new table. The many-to-many table of notes and codes follows its model's table.
TABLES = {
    "codes_payernote": "notes_payernote",
    "codes_payernote_codes": "notes_payernote_codes",
    "codes_historicalpayernote": "notes_historicalpayernote",
    "codes_historicalpayernote_codes": "notes_historicalpayernote_codes",
}
# How the names of the renamed tables' indexes and constraints are made: from the codes table
# names or from the notes ones (keyed by the tables' names while this runs: the notes ones).
CODES_NAMING = {new: old for old, new in TABLES.items()}
NOTES_NAMING = {new: new for new in TABLES.values()}


def names_of(editor, table, info, naming):
    """The name each kind of index or constraint described by `info` (from the introspection
    of `table`) has when the tables are called as `naming` says: Django's own names, and
    PostgreSQL's for the constraints it names itself (primary key, UNIQUE and CHECK columns)."""
    made_for = naming[table]
    columns = info["columns"]
    make = editor._create_index_name
    if info["foreign_key"]:
        to_table, to_column = info["foreign_key"]
        to_table = naming.get(to_table, to_table)
        return {"fk": make(made_for, columns, suffix=f"_fk_{to_table}_{to_column}")}
    names = {
        "index": make(made_for, columns),
        "like": make(made_for, columns, suffix="_like"),
        "unique": make(made_for, columns, suffix="_uniq"),
        "pkey": f"{made_for}_pkey",
    }
    if len(columns) == 1:
        names["key"] = f"{made_for}_{columns[0]}_key"
        names["check"] = f"{made_for}_{columns[0]}_check"
    return names


def rename_objects(schema_editor, current, wanted):
    """Rename the indexes, constraints and sequences of the moved tables (called by their
    notes names while this runs) from the names made with `current` to those made with
    `wanted`. Anything named otherwise is left alone."""
    connection = schema_editor.connection
    quote = schema_editor.quote_name
    postgres = connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        for table in TABLES.values():
            for name, info in connection.introspection.get_constraints(cursor, table).items():
                now = names_of(schema_editor, table, info, current)
                kind = next((kind for kind, made in now.items() if made == name), None)
                new = names_of(schema_editor, table, info, wanted).get(kind, name)
                if new == name:
                    continue
                if postgres and info["index"]:
                    schema_editor.execute(f"ALTER INDEX {quote(name)} RENAME TO {quote(new)}")
                elif postgres:
                    schema_editor.execute(
                        f"ALTER TABLE {quote(table)} RENAME CONSTRAINT {quote(name)} "
                        f"TO {quote(new)}"
                    )
                elif info["index"]:
                    # SQLite names only its indexes (constraints sit unnamed in the table's
                    # definition) and cannot rename one: it is made again under the new name.
                    unique = "UNIQUE " if info["unique"] else ""
                    columns = ", ".join(quote(column) for column in info["columns"])
                    schema_editor.execute(f"DROP INDEX {quote(name)}")
                    schema_editor.execute(
                        f"CREATE {unique}INDEX {quote(new)} ON {quote(table)} ({columns})"
                    )
            if not postgres:
                continue  # SQLite keeps AUTOINCREMENT counters by table: they follow it
            for sequence in connection.introspection.get_sequences(cursor, table):
                old = f"{current[table]}_{sequence['column']}_seq"
                new = f"{wanted[table]}_{sequence['column']}_seq"
                if sequence["name"] == old:
                    schema_editor.execute(f"ALTER SEQUENCE {quote(old)} RENAME TO {quote(new)}")


def name_for_notes(apps, schema_editor):
    rename_objects(schema_editor, CODES_NAMING, NOTES_NAMING)


def name_for_codes(apps, schema_editor):
    rename_objects(schema_editor, NOTES_NAMING, CODES_NAMING)


class Migration(migrations.Migration):
    dependencies = [
        ("codes", "0004_payer_note_editors"),
    ]

    operations = [
        # Renaming the payer notes' table renames their many-to-many table with codes too.
        migrations.AlterModelTable(name="payernote", table="notes_payernote"),
        migrations.AlterModelTable(name="historicalpayernote", table="notes_historicalpayernote"),
        migrations.AlterModelTable(
            name="historicalpayernote_codes", table="notes_historicalpayernote_codes"
        ),
        migrations.RunPython(name_for_notes, name_for_codes),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="HistoricalPayerNote_codes"),
                migrations.DeleteModel(name="HistoricalPayerNote"),
                migrations.DeleteModel(name="PayerNote"),
            ],
            database_operations=[],
        ),
    ]
