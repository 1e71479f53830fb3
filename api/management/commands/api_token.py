from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from api import tokens


class Command(BaseCommand):
    help = "Make a personal API token for a user and print it (it is shown only this once)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--read-only", action="store_true", help="May only read.")
        parser.add_argument("--expires", type=int, metavar="DAYS", help="Expires after DAYS.")
        parser.add_argument("--name", default="", help="What the token is for.")

    def handle(self, *args, username, read_only, expires, name, **options):
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"No active user named {username!r}.")
        try:
            _row, token = tokens.token_create(
                user=user,
                name=name or "manage.py api_token",
                read_only=read_only,
                expires_in_days=expires,
            )
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        self.stdout.write(token)
