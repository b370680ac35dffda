from django.db import migrations

# Loads the shipped defaults once; administrators edit them in the admin afterwards.
from amends.recovery.playbooks import DEFAULT_PLAYBOOKS, DEFAULT_QUESTIONS


def add_playbooks(apps, schema_editor):
    Playbook = apps.get_model("recovery", "Playbook")
    PlaybookStep = apps.get_model("recovery", "PlaybookStep")
    Question = apps.get_model("recovery", "Question")
    for spec in DEFAULT_PLAYBOOKS:
        playbook, created = Playbook.objects.get_or_create(
            kind=spec["kind"], defaults={"name": spec["name"], "description": spec["description"]}
        )
        if not created:
            continue
        for order, (key, title, guidance, hours, requires) in enumerate(spec["steps"], start=1):
            PlaybookStep.objects.create(
                playbook=playbook,
                order=order,
                key=key,
                title=title,
                guidance=guidance,
                due_hours_critical=hours[0],
                due_hours_major=hours[1],
                due_hours_moderate=hours[2],
                due_hours_minor=hours[3],
                requires=requires,
            )
    if not Question.objects.exists():
        for order, text in enumerate(DEFAULT_QUESTIONS):
            Question.objects.create(text=text, order=order)


class Migration(migrations.Migration):
    dependencies = [("recovery", "0001_initial")]
    operations = [migrations.RunPython(add_playbooks, migrations.RunPython.noop)]
