"""Payer notes move to the notes app: their tables are renamed to the notes app's names here,
with every row in them, and the models leave this app's state (notes 0001 takes them up)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("codes", "0004_payer_note_editors"),
    ]

    operations = [
        # The many-to-many table of payer notes and codes is renamed along with its model.
        migrations.AlterModelTable(name="payernote", table="notes_payernote"),
        migrations.AlterModelTable(name="historicalpayernote", table="notes_historicalpayernote"),
        migrations.AlterModelTable(
            name="historicalpayernote_codes", table="notes_historicalpayernote_codes"
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="HistoricalPayerNote_codes"),
                migrations.DeleteModel(name="HistoricalPayerNote"),
                migrations.DeleteModel(name="PayerNote"),
            ],
            database_operations=[],
        ),
    ]
