"""The payer matrix (issue 12): a note may give the figure of one matrix column, for one MAC or
all. Three blank columns on the notes and their history; every existing row keeps its values."""

from django.db import migrations, models

from notes.sequences import keep_ids

REMEMBER_IDS, RESTORE_IDS = keep_ids("notes_payernote", "notes_historicalpayernote")


class Migration(migrations.Migration):

    dependencies = [
        ('notes', '0001_initial'),
    ]

    operations = [
        REMEMBER_IDS,
        migrations.AddField(
            model_name='historicalpayernote',
            name='figure',
            field=models.CharField(blank=True, help_text='What the matrix cell shows, e.g. “4 per spinal region per rolling 12 months”.', max_length=200),
        ),
        migrations.AddField(
            model_name='historicalpayernote',
            name='mac',
            field=models.CharField(blank=True, choices=[('noridian-je', 'Noridian (JE)'), ('noridian-jf', 'Noridian (JF)'), ('wps', 'WPS (J5, J8)'), ('ngs', 'NGS (J6, JK)'), ('cgs', 'CGS (J15)'), ('novitas', 'Novitas (JH, JL)'), ('first-coast', 'First Coast (JN)'), ('palmetto', 'Palmetto GBA (JJ, JM)')], help_text='Medicare only: the contractor this note is about; blank: every MAC.', max_length=20, verbose_name='MAC'),
        ),
        migrations.AddField(
            model_name='historicalpayernote',
            name='matrix_column',
            field=models.CharField(blank=True, choices=[('sessions_diagnostic', 'Diagnostic sessions per 12 months'), ('sessions_therapeutic', 'Therapeutic sessions per 12 months'), ('sessions_rfa', 'RFA sessions per 12 months'), ('levels', 'Levels per session'), ('relief', 'Relief thresholds'), ('kx', 'KX modifier'), ('bilateral_professional', 'Bilateral format: professional claim'), ('bilateral_asc', 'Bilateral format: ASC facility claim'), ('bilateral_outpatient', 'Bilateral format: hospital outpatient claim'), ('prior_authorization', 'Prior authorization'), ('policy', 'Policy number, version and date')], help_text='The payer matrix column this note gives a figure for; blank: none.', max_length=30),
        ),
        migrations.AddField(
            model_name='payernote',
            name='figure',
            field=models.CharField(blank=True, help_text='What the matrix cell shows, e.g. “4 per spinal region per rolling 12 months”.', max_length=200),
        ),
        migrations.AddField(
            model_name='payernote',
            name='mac',
            field=models.CharField(blank=True, choices=[('noridian-je', 'Noridian (JE)'), ('noridian-jf', 'Noridian (JF)'), ('wps', 'WPS (J5, J8)'), ('ngs', 'NGS (J6, JK)'), ('cgs', 'CGS (J15)'), ('novitas', 'Novitas (JH, JL)'), ('first-coast', 'First Coast (JN)'), ('palmetto', 'Palmetto GBA (JJ, JM)')], help_text='Medicare only: the contractor this note is about; blank: every MAC.', max_length=20, verbose_name='MAC'),
        ),
        migrations.AddField(
            model_name='payernote',
            name='matrix_column',
            field=models.CharField(blank=True, choices=[('sessions_diagnostic', 'Diagnostic sessions per 12 months'), ('sessions_therapeutic', 'Therapeutic sessions per 12 months'), ('sessions_rfa', 'RFA sessions per 12 months'), ('levels', 'Levels per session'), ('relief', 'Relief thresholds'), ('kx', 'KX modifier'), ('bilateral_professional', 'Bilateral format: professional claim'), ('bilateral_asc', 'Bilateral format: ASC facility claim'), ('bilateral_outpatient', 'Bilateral format: hospital outpatient claim'), ('prior_authorization', 'Prior authorization'), ('policy', 'Policy number, version and date')], help_text='The payer matrix column this note gives a figure for; blank: none.', max_length=30),
        ),
        RESTORE_IDS,
    ]
