"""The customer's page moves to an app of its own (issue 12): comms forgets the models."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('customerpage', '0001_initial'),
        ('comms', '0005_notices_move_to_their_app'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
            migrations.RemoveConstraint(
                model_name='caseshare',
                name='case_share_live_once',
            ),
            migrations.RemoveField(
                model_name='caseshare',
                name='case',
            ),
            migrations.RemoveField(
                model_name='caseshare',
                name='created_by',
            ),
            migrations.DeleteModel(
                name='CaseUpdate',
            ),
            migrations.DeleteModel(
                name='CaseShare',
            ),
            ],
            database_operations=[],
        ),
    ]
