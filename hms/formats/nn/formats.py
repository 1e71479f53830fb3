# Nynorsk pages write dates and numbers as bokmål pages do ("1. desember 2026", "1 234,5"):
# the same Norwegian conventions, so one definition, Django's bokmål formats.
from django.conf.locale.nb.formats import *  # noqa: F403
