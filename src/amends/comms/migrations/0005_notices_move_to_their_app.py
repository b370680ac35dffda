"""Notices move to an app of their own (issue 12): comms forgets the models."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('comms', '0004_notice_languages_in_order'),
        ('notices', '0001_initial'),
    ]

    # The models now belong to the notices app; their tables stay as they are.
    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
            migrations.RemoveIndex(
                model_name='noticerecipient',
                name='notice_recipient_todo',
            ),
            migrations.RemoveIndex(
                model_name='noticerecipient',
                name='notice_recipient_doubt',
            ),
            migrations.RemoveConstraint(
                model_name='noticerecipient',
                name='notice_recipient_once',
            ),
            migrations.RemoveField(
                model_name='noticerun',
                name='created_by',
            ),
            migrations.RemoveField(
                model_name='noticerun',
                name='incident',
            ),
            migrations.DeleteModel(
                name='NoticeRecipient',
            ),
            migrations.DeleteModel(
                name='NoticeRun',
            ),
            ],
            database_operations=[],
        ),
    ]
