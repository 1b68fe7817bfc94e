"""The loader wrote two history records for each note it created or updated (one on save, one
when it set the codes), so a note's history showed "Version 1" twice. Keep the later record of
each (note, version), the one with the codes; a deletion's record stays. The loader now writes
one."""

from django.db import migrations
from django.db.models import Count, Max


def keep_one_record_per_version(apps, schema_editor):
    history = apps.get_model("notes", "HistoricalPayerNote")
    saves = history.objects.exclude(history_type="-")  # a deletion keeps its own record
    repeated = (
        saves.values("id", "version")
        .annotate(records=Count("history_id"), last=Max("history_id"))
        .filter(records__gt=1)
    )
    for group in repeated.iterator():
        saves.filter(id=group["id"], version=group["version"]).exclude(
            history_id=group["last"]
        ).delete()


class Migration(migrations.Migration):
    dependencies = [("notes", "0002_payernote_matrix_fields")]

    operations = [
        migrations.RunPython(keep_one_record_per_version, migrations.RunPython.noop),
    ]
