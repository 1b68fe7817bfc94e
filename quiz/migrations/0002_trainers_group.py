"""The Trainers group: its members run training sessions and see their dashboards."""

from django.db import migrations

GROUP = "Trainers"


def create_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.get_or_create(name=GROUP)


def remove_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=GROUP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("quiz", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_group, remove_group)]
