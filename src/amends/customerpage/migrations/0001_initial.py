"""The customer's page moves from comms to an app of its own (issue 12)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


MODELS = ["caseshare", "caseupdate"]


def content_types_move(apps, schema_editor):
    types = apps.get_model("contenttypes", "ContentType")
    types.objects.filter(app_label="comms", model__in=MODELS).update(app_label="customerpage")


def content_types_back(apps, schema_editor):
    types = apps.get_model("contenttypes", "ContentType")
    types.objects.filter(app_label="customerpage", model__in=MODELS).update(app_label="comms")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('comms', '0005_notices_move_to_their_app'),
        ('contenttypes', '0002_remove_content_type_name'),
        ('recovery', '0002_default_playbooks'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
            migrations.CreateModel(
                name='CaseUpdate',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('text', models.TextField(verbose_name='update')),
                    ('posted_at', models.DateTimeField()),
                    ('case', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='updates', to='recovery.recoverycase')),
                    ('posted_by', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ],
                options={
                    'db_table': 'comms_caseupdate',
                    'ordering': ['-posted_at', '-id'],
                },
            ),
            migrations.CreateModel(
                name='CaseShare',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('key', models.CharField(max_length=43, unique=True)),
                    ('created_at', models.DateTimeField(auto_now_add=True)),
                    ('revoked_at', models.DateTimeField(blank=True, null=True)),
                    ('case', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='shares', to='recovery.recoverycase')),
                    ('created_by', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ],
                options={
                    'db_table': 'comms_caseshare',
                    'constraints': [models.UniqueConstraint(condition=models.Q(('revoked_at__isnull', True)), fields=('case',), name='case_share_live_once')],
                },
            ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(content_types_move, content_types_back),
    ]
