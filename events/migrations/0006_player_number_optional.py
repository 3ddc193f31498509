from django.db import migrations, models


class Migration(migrations.Migration):
    """Players known only from an imported record (a scorer in a results file) have no shirt number or
    position: neither is made up."""

    dependencies = [
        ("events", "0005_table_settlements"),
    ]

    operations = [
        migrations.AlterField(
            model_name="player",
            name="number",
            field=models.PositiveSmallIntegerField(blank=True, null=True),
        ),
        migrations.AlterField(
            model_name="player",
            name="position",
            field=models.CharField(
                blank=True,
                choices=[("GK", "Goalkeeper"), ("DF", "Defender"), ("MF", "Midfielder"), ("FW", "Forward")],
                max_length=2,
            ),
        ),
    ]
