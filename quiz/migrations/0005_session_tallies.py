"""The trainer dashboard's running tallies (issue 19): one table each for participants,
questions, wrong answers and misconceptions, filled in from the answers already stored, so a
dashboard opened after the upgrade shows what it showed before. From here on every answer
adds itself to them (quiz.models.tally_answer)."""

import hashlib

import django.db.models.deletion
from django.db import migrations, models

# As quiz.models.WRONG_ANSWERS_SHOWN was when this migration was written.
WRONG_ANSWERS_SHOWN = 3


def fill_tallies(apps, schema_editor):
    """The tallies of every training session, counted from its answers in the database: one
    grouped query per table, whatever the number of answers."""
    Answer = apps.get_model("quiz", "Answer")
    ParticipantTally = apps.get_model("quiz", "ParticipantTally")
    QuestionTally = apps.get_model("quiz", "QuestionTally")
    WrongAnswerTally = apps.get_model("quiz", "WrongAnswerTally")
    TagTally = apps.get_model("quiz", "TagTally")
    answers = Answer.objects.filter(attempt__training_session__isnull=False).order_by()
    session = "attempt__training_session_id"

    ParticipantTally.objects.bulk_create(
        (
            ParticipantTally(
                attempt_id=row["attempt_id"],
                answered=row["n"],
                points=row["points"],
                correct=row["right"],
                late=row["n_late"],
            )
            for row in answers.values("attempt_id").annotate(
                n=models.Count("id"),
                points=models.Sum("score"),
                right=models.Count("id", filter=models.Q(correct=True)),
                n_late=models.Count("id", filter=models.Q(late=True)),
            )
        ),
        batch_size=500,
    )

    wrong = {}
    rows = (
        answers.filter(correct=False, late=False)
        .values(session, "question_id", "response")
        .annotate(n=models.Count("id"))
    )
    tallies = []
    for row in rows:
        key = (row[session], row["question_id"])
        wrong.setdefault(key, []).append([row["response"], row["n"]])
        tallies.append(
            WrongAnswerTally(
                session_id=row[session],
                question_id=row["question_id"],
                digest=hashlib.sha256(row["response"].encode()).hexdigest(),
                response=row["response"],
                count=row["n"],
            )
        )
    WrongAnswerTally.objects.bulk_create(tallies, batch_size=500)

    QuestionTally.objects.bulk_create(
        (
            QuestionTally(
                session_id=row[session],
                question_id=row["question_id"],
                answered=row["n"],
                correct=row["right"],
                partial=row["part"],
                wrong_answers=sorted(
                    wrong.get((row[session], row["question_id"]), []),
                    key=lambda item: (-item[1], item[0]),
                )[:WRONG_ANSWERS_SHOWN],
            )
            for row in answers.values(session, "question_id").annotate(
                n=models.Count("id"),
                right=models.Count("id", filter=models.Q(correct=True)),
                part=models.Count("id", filter=models.Q(late=False, score__gt=0, correct=False)),
            )
        ),
        batch_size=500,
    )

    tags = {}
    rows = (
        answers.exclude(tags=[])
        .values(session, "tags")
        .annotate(n=models.Count("id"), first=models.Min("position"))
    )
    for row in rows:
        for tag in set(row["tags"]):
            count, first = tags.get((row[session], tag), (0, row["first"]))
            tags[row[session], tag] = (count + row["n"], min(first, row["first"]))
    TagTally.objects.bulk_create(
        (
            TagTally(session_id=session_id, tag=tag, count=count, first_position=first)
            for (session_id, tag), (count, first) in tags.items()
        ),
        batch_size=500,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("quiz", "0004_attempt_start_key"),
    ]

    operations = [
        migrations.CreateModel(
            name="ParticipantTally",
            fields=[
                (
                    "attempt",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="tally",
                        serialize=False,
                        to="quiz.attempt",
                    ),
                ),
                ("answered", models.PositiveIntegerField(default=0)),
                ("points", models.FloatField(default=0.0)),
                ("correct", models.PositiveIntegerField(default=0)),
                ("late", models.PositiveIntegerField(default=0)),
            ],
        ),
        migrations.CreateModel(
            name="QuestionTally",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("answered", models.PositiveIntegerField(default=0)),
                ("correct", models.PositiveIntegerField(default=0)),
                ("partial", models.PositiveIntegerField(default=0)),
                ("wrong_answers", models.JSONField(blank=True, default=list)),
                (
                    "question",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="quiz.question",
                    ),
                ),
                (
                    "session",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="question_tallies",
                        to="quiz.trainingsession",
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("session", "question"), name="one_tally_per_question"
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="TagTally",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("tag", models.CharField(max_length=30)),
                ("count", models.PositiveIntegerField(default=0)),
                ("first_position", models.PositiveSmallIntegerField()),
                (
                    "session",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="tag_tallies",
                        to="quiz.trainingsession",
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(fields=("session", "tag"), name="one_tally_per_tag")
                ],
            },
        ),
        migrations.CreateModel(
            name="WrongAnswerTally",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("digest", models.CharField(max_length=64)),
                ("response", models.TextField()),
                ("count", models.PositiveIntegerField(default=0)),
                (
                    "question",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="quiz.question",
                    ),
                ),
                (
                    "session",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="wrong_answer_tallies",
                        to="quiz.trainingsession",
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("session", "question", "digest"),
                        name="one_tally_per_wrong_answer",
                    )
                ],
            },
        ),
        migrations.RunPython(fill_tallies, migrations.RunPython.noop),
    ]
