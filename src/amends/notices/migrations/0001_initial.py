"""Notices move from comms to an app of their own (issue 12)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


MODELS = ["noticerun", "noticerecipient"]


def content_types_move(apps, schema_editor):
    types = apps.get_model("contenttypes", "ContentType")
    types.objects.filter(app_label="comms", model__in=MODELS).update(app_label="notices")


def content_types_back(apps, schema_editor):
    types = apps.get_model("contenttypes", "ContentType")
    types.objects.filter(app_label="notices", model__in=MODELS).update(app_label="comms")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('comms', '0004_notice_languages_in_order'),
        ('contenttypes', '0002_remove_content_type_name'),
        ('incidents', '0002_default_causes'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    # The tables were made by the comms app and keep their names: only Django's idea
    # of which app owns the models moves, and the content types go with them.
    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
            migrations.CreateModel(
                name='NoticeRun',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('name', models.CharField(max_length=200, verbose_name='name')),
                    ('texts', models.JSONField(default=dict)),
                    ('languages', models.JSONField(default=list)),
                    ('state', models.CharField(choices=[('draft', 'Draft'), ('running', 'Sending'), ('paused', 'Paused'), ('done', 'Done')], default='draft', max_length=8)),
                    ('rate_per_second', models.PositiveIntegerField(default=200, verbose_name='messages per second')),
                    ('created_at', models.DateTimeField(auto_now_add=True)),
                    ('started_at', models.DateTimeField(blank=True, null=True)),
                    ('finished_at', models.DateTimeField(blank=True, null=True)),
                    ('created_by', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ('incident', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='notice_runs', to='incidents.incident')),
                ],
                options={
                    'verbose_name': 'notice run',
                    'db_table': 'comms_noticerun',
                    'ordering': ['-created_at', '-id'],
                },
            ),
            migrations.CreateModel(
                name='NoticeRecipient',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('line', models.PositiveIntegerField()),
                    ('email', models.EmailField(max_length=254)),
                    ('name', models.CharField(blank=True, max_length=200)),
                    ('language', models.CharField(blank=True, max_length=10)),
                    ('fields', models.JSONField(blank=True, default=dict)),
                    ('state', models.CharField(choices=[('pending', 'Waiting'), ('sending', 'Sending'), ('sent', 'Sent'), ('failed', 'Failed')], default='pending', max_length=8)),
                    ('message_id', models.CharField(max_length=200)),
                    ('claimed_by', models.CharField(blank=True, max_length=64)),
                    ('claimed_at', models.DateTimeField(blank=True, null=True)),
                    ('sent_at', models.DateTimeField(blank=True, null=True)),
                    ('handed_at', models.DateTimeField(blank=True, null=True)),
                    ('in_doubt', models.PositiveSmallIntegerField(default=0)),
                    ('attempts', models.PositiveSmallIntegerField(default=0)),
                    ('error', models.CharField(blank=True, max_length=500)),
                    ('run', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='recipients', to='notices.noticerun')),
                ],
                options={
                    'db_table': 'comms_noticerecipient',
                    'ordering': ['run', 'line'],
                    'indexes': [models.Index(fields=['run', 'state', 'line'], name='notice_recipient_todo'), models.Index(condition=models.Q(('in_doubt__gt', 0)), fields=['run'], name='notice_recipient_doubt')],
                    'constraints': [models.UniqueConstraint(fields=('run', 'email'), name='notice_recipient_once')],
                },
            ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(content_types_move, content_types_back),
    ]
