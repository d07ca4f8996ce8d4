from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("minutes", "0003_clerk")]

    operations = [
        migrations.CreateModel(
            name="SearchIndexState",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("key", models.CharField(default="default", max_length=40, unique=True)),
                ("lexicon_version", models.CharField(max_length=100)),
                ("rebuilt_at", models.DateTimeField(blank=True, null=True)),
                ("items", models.PositiveIntegerField(default=0)),
            ],
            options={"verbose_name": "søgeindeks", "verbose_name_plural": "søgeindeks"},
        ),
    ]
