# Organisation settings for human control (issue 18): four eyes, release without review.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0008_organization_texts"),
    ]

    operations = [
        migrations.AddField(
            model_name="organization",
            name="four_eyes_erasure",
            field=models.BooleanField(
                default=True,
                help_text="Confirming an erasure or anonymisation needs a second officer or manager to approve the dry run",  # noqa: E501
                verbose_name="four eyes on erasure and anonymisation",
            ),
        ),
        migrations.AddField(
            model_name="organization",
            name="four_eyes_refusal",
            field=models.BooleanField(
                default=False,
                help_text="Refusing a request needs a second officer or manager to approve it",
                verbose_name="four eyes on refusals",
            ),
        ),
        migrations.AddField(
            model_name="organization",
            name="four_eyes_release",
            field=models.BooleanField(
                default=False,
                help_text="Releasing a reviewed data package to the subject needs a second officer or manager to approve it",  # noqa: E501
                verbose_name="four eyes on releasing a package",
            ),
        ),
        migrations.AddField(
            model_name="organization",
            name="release_unreviewed_own_data",
            field=models.BooleanField(
                default=False,
                help_text="A package whose sources a manager marked as holding only the subject's own data is sent without waiting for review",  # noqa: E501
                verbose_name="release packages of own-data sources without review",
            ),
        ),
    ]
