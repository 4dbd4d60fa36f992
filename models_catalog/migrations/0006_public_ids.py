"""Stable public ids for models and versions (the REST API names them by UUID).

Three steps, because a callable default on AddField gives every existing row the
same value: add the column empty, give each row its own UUID, then make it unique.
"""

import uuid

from django.db import migrations, models


def fill(apps, schema_editor):
    for name in ("MaturityModel", "ModelVersion"):
        model = apps.get_model("models_catalog", name)
        rows = list(model.objects.filter(public_id__isnull=True).only("pk"))
        for row in rows:
            row.public_id = uuid.uuid4()
        model.objects.bulk_update(rows, ["public_id"], batch_size=500)


class Migration(migrations.Migration):

    dependencies = [
        ("models_catalog", "0005_question_carried_from"),
    ]

    operations = [
        migrations.AddField(
            model_name="maturitymodel",
            name="public_id",
            field=models.UUIDField(editable=False, null=True, verbose_name="public id"),
        ),
        migrations.AddField(
            model_name="modelversion",
            name="public_id",
            field=models.UUIDField(editable=False, null=True, verbose_name="public id"),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop, elidable=True),
        migrations.AlterField(
            model_name="maturitymodel",
            name="public_id",
            field=models.UUIDField(default=uuid.uuid4, editable=False, unique=True,
                                   verbose_name="public id"),
        ),
        migrations.AlterField(
            model_name="modelversion",
            name="public_id",
            field=models.UUIDField(default=uuid.uuid4, editable=False, unique=True,
                                   verbose_name="public id"),
        ),
    ]
