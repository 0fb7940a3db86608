# The register's texts in each language the organisation offers (issue 16).

import django.db.models
from django.db import migrations

import dsr.models.register


class Migration(migrations.Migration):
    dependencies = [
        ("dsr", "0014_webhook_event"),
    ]

    operations = [
        migrations.AddField(
            model_name="processingactivity",
            name="texts",
            field=django.db.models.JSONField(
                blank=True,
                default=dict,
                validators=[dsr.models.register.validate_activity_texts],
                verbose_name="texts in other languages",
            ),
        ),
        migrations.AddField(
            model_name="recipient",
            name="texts",
            field=django.db.models.JSONField(
                blank=True,
                default=dict,
                validators=[dsr.models.register.validate_recipient_texts],
                verbose_name="texts in other languages",
            ),
        ),
    ]
