import django.db.models.deletion
from django.db import migrations, models

# Every case takes its account's team, in one statement both databases understand.
COPY_TEAMS = """
UPDATE recovery_recoverycase SET team_id = (
    SELECT accounts_account.team_id FROM accounts_account
    WHERE accounts_account.id = recovery_recoverycase.account_id
)
"""


class Migration(migrations.Migration):

    dependencies = [
        ("people", "0002_drop_login_failures"),
        ("recovery", "0004_case_recent_order"),
    ]

    operations = [
        migrations.AddField(
            model_name="recoverycase",
            name="team",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="people.team",
            ),
        ),
        migrations.RunSQL(COPY_TEAMS, migrations.RunSQL.noop, elidable=True),
        migrations.AlterField(
            model_name="recoverycase",
            name="team",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT, related_name="+", to="people.team"
            ),
        ),
        migrations.RemoveIndex(model_name="recoverycase", name="case_open_order"),
        migrations.AddIndex(
            model_name="recoverycase",
            index=models.Index(
                fields=["closed_at", "-last_chance", "severity", "opened_at", "id", "team"],
                name="case_open_order",
            ),
        ),
        migrations.AddIndex(
            model_name="recoverycase",
            index=models.Index(fields=["team", "closed_at"], name="case_team_open"),
        ),
    ]
