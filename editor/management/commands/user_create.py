"""``manage.py user_create USER [--email E] [--password-stdin] [--token] [--staff]``: a normal user.

    echo "$PASSWORD" | manage.py user_create alice --email alice@example.com --password-stdin
    manage.py user_create ci-bot --token          # an API-only user; prints its token once

Without ``--password-stdin`` the user has no password (cannot log in to the pages; API token only).  With
``--token`` the new API token is printed once on stdout (nothing else is printed there), for scripts:
``TOKEN=$(manage.py user_create ci-bot --token)``.  A new token for an existing user: ``drf_create_token -r USER``
or the staff Users page.
"""

from __future__ import annotations

import sys

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from editor import accounts


class Command(BaseCommand):
    help = "Create a normal (not super-) user; optionally read its password from stdin and make its API token."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--email", default="")
        parser.add_argument(
            "--password-stdin",
            action="store_true",
            help="Read the password from the first line of standard input (never from the command line).",
        )
        parser.add_argument("--token", action="store_true", help="Make an API token and print it (only it) once.")
        parser.add_argument("--staff", action="store_true", help="May use the admin and the staff Users page.")

    def handle(self, *args, username: str, email: str, password_stdin: bool, token: bool, staff: bool, **options):
        password = None
        if password_stdin:
            password = sys.stdin.readline().rstrip("\r\n")
            if not password:
                raise CommandError("--password-stdin: standard input held no password (an empty first line).")
        try:
            user = accounts.user_create(username=username, email=email, password=password, is_staff=staff)
        except ValidationError as exc:
            problems = "; ".join(f"{field}: {' '.join(ms)}" for field, ms in exc.message_dict.items())
            raise CommandError(problems) from None
        kind = "staff user" if staff else "user"
        login = "can log in with the password given" if password else "has no password (API token only)"
        self.stderr.write(f"Created {kind} {user.get_username()!r}; it {login}.")
        if token:
            self.stdout.write(accounts.token_reset(user=user))
            self.stderr.write("That is its API token, shown this once: keep it in a secret store.")
