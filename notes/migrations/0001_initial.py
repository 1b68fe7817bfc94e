"""The payer note models, taken over from the codes app (codes 0005 renamed their tables):
state only, no table is created, no row is touched. The content types follow, so the editors'
permissions and the admin's log entries stay attached to the notes."""

import django.db.models.deletion
import simple_history.models
from django.conf import settings
from django.db import migrations, models

MODELS = ("payernote", "historicalpayernote", "historicalpayernote_codes")


def move_content_types(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model in MODELS:
        old = ContentType.objects.filter(app_label="codes", model=model).first()
        if old is None:
            continue
        new = ContentType.objects.filter(app_label="notes", model=model).first()
        if new is not None:  # made meanwhile: keep the old one, which permissions point to
            new.delete()
        old.app_label = "notes"
        old.save(update_fields=["app_label"])


def restore_content_types(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    ContentType.objects.filter(app_label="notes", model__in=MODELS).update(app_label="codes")


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("codes", "0005_move_payer_notes_to_notes"),
        ("contenttypes", "0002_remove_content_type_name"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='PayerNote',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('key', models.SlugField(max_length=80, unique=True)),
                        ('topic', models.CharField(choices=[('frequency', 'Frequency'), ('levels_per_session', 'Levels per session'), ('modifiers', 'Modifiers'), ('documentation', 'Documentation'), ('coverage', 'Coverage'), ('prior_authorization', 'Prior authorization'), ('diagnosis', 'Diagnosis codes'), ('imaging', 'Imaging guidance'), ('lcd', 'LCDs and articles')], max_length=30)),
                        ('text', models.TextField(help_text='Links, lists and emphasis in Markdown are allowed.')),
                        ('url', models.URLField(blank=True, max_length=500, verbose_name='URL')),
                        ('confidence', models.CharField(choices=[('C', 'Confirmed by source'), ('L', 'Likely'), ('U', 'Unconfirmed')], default='C', max_length=1)),
                        ('effective_date', models.DateField(blank=True, null=True)),
                        ('last_reviewed', models.DateField()),
                        ('status', models.CharField(choices=[('draft', 'Draft'), ('published', 'Published')], default='published', max_length=10)),
                        ('version', models.PositiveIntegerField(default=1)),
                        ('loaded_fingerprint', models.CharField(blank=True, editable=False, max_length=64)),
                        ('codes', models.ManyToManyField(blank=True, related_name='payer_notes', to='codes.code')),
                        ('payer', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='notes', to='codes.payer')),
                        ('reviewer', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('source', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='payer_notes', to='codes.source')),
                    ],
                    options={
                        'ordering': ['payer__sort_order', 'topic', 'key'],
                    },
                ),
                migrations.CreateModel(
                    name='HistoricalPayerNote',
                    fields=[
                        ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                        ('key', models.SlugField(max_length=80)),
                        ('topic', models.CharField(choices=[('frequency', 'Frequency'), ('levels_per_session', 'Levels per session'), ('modifiers', 'Modifiers'), ('documentation', 'Documentation'), ('coverage', 'Coverage'), ('prior_authorization', 'Prior authorization'), ('diagnosis', 'Diagnosis codes'), ('imaging', 'Imaging guidance'), ('lcd', 'LCDs and articles')], max_length=30)),
                        ('text', models.TextField(help_text='Links, lists and emphasis in Markdown are allowed.')),
                        ('url', models.URLField(blank=True, max_length=500, verbose_name='URL')),
                        ('confidence', models.CharField(choices=[('C', 'Confirmed by source'), ('L', 'Likely'), ('U', 'Unconfirmed')], default='C', max_length=1)),
                        ('effective_date', models.DateField(blank=True, null=True)),
                        ('last_reviewed', models.DateField()),
                        ('status', models.CharField(choices=[('draft', 'Draft'), ('published', 'Published')], default='published', max_length=10)),
                        ('version', models.PositiveIntegerField(default=1)),
                        ('loaded_fingerprint', models.CharField(blank=True, editable=False, max_length=64)),
                        ('history_id', models.AutoField(primary_key=True, serialize=False)),
                        ('history_date', models.DateTimeField(db_index=True)),
                        ('history_change_reason', models.CharField(max_length=100, null=True)),
                        ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                        ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('reviewer', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('payer', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='codes.payer')),
                        ('source', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='codes.source')),
                    ],
                    options={
                        'verbose_name': 'historical payer note',
                        'verbose_name_plural': 'historical payer notes',
                        'ordering': ('-history_date', '-history_id'),
                        'get_latest_by': ('history_date', 'history_id'),
                    },
                    bases=(simple_history.models.HistoricalChanges, models.Model),
                ),
                migrations.CreateModel(
                    name='HistoricalPayerNote_codes',
                    fields=[
                        ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                        ('m2m_history_id', models.AutoField(primary_key=True, serialize=False)),
                        ('code', models.ForeignKey(blank=True, db_constraint=False, db_tablespace='', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='codes.code')),
                        ('history', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, to='notes.historicalpayernote')),
                        ('payernote', models.ForeignKey(blank=True, db_constraint=False, db_tablespace='', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='notes.payernote')),
                    ],
                    options={
                        'verbose_name': 'HistoricalPayerNote_codes',
                    },
                    bases=(simple_history.models.HistoricalChanges, models.Model),
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(move_content_types, restore_content_types),
    ]
