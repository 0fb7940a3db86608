# The signatory's title and the place letters are dated from, per language (issue 16).

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0007_user_language"),
    ]

    operations = [
        migrations.AddField(
            model_name="organization",
            name="texts",
            field=models.JSONField(
                blank=True, default=dict, verbose_name="letter texts in other languages"
            ),
        ),
    ]
