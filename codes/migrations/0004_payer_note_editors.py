"""The "Payer note editors" group: add, change and view payer notes, view the rest of the
reference data, nothing more (no deleting notes, no changing any other record)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP = "Payer note editors"
NOTE_PERMISSIONS = ["add_payernote", "change_payernote", "view_payernote"]
VIEW_ONLY = [
    "source",
    "code",
    "relation",
    "modifier",
    "modifierguidance",
    "taxonomy",
    "diagnosis",
    "diagnosislink",
    "payer",
    "rule",
    "misconception",
    "dataset",
]


def create_group(apps, schema_editor):
    # Permissions are normally created after all migrations ran; this one needs them now.
    app_config = apps.get_app_config("codes")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    codenames = NOTE_PERMISSIONS + [f"view_{model}" for model in VIEW_ONLY]
    permissions = list(
        Permission.objects.filter(content_type__app_label="codes", codename__in=codenames)
    )
    missing = set(codenames) - {p.codename for p in permissions}
    if missing:
        raise RuntimeError(f"permissions not found: {', '.join(sorted(missing))}")
    group, _ = Group.objects.get_or_create(name=GROUP)
    group.permissions.set(permissions)


def remove_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=GROUP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("codes", "0003_payernote_url_label"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_group, remove_group)]
