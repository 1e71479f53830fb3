"""Sign-ins are no longer recorded (last_login, axes' access log): forget the ones already
kept, since the last of them may sit just before an anonymous report's time. last_login is not
audited, so clearing it writes no history."""

from django.db import migrations


def forget_sign_in_times(apps, schema_editor):
    apps.get_model("units", "User").objects.exclude(last_login=None).update(last_login=None)
    apps.get_model("axes", "AccessLog").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("units", "0006_dates_in_range"),
        ("axes", "0010_accessattemptexpiration"),
    ]

    operations = [migrations.RunPython(forget_sign_in_times, migrations.RunPython.noop)]
