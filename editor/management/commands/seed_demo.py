"""Create the demo user and the three-tier demo design (idempotent), and print how to log in."""

import os

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from editor.demo import DEMO_DESIGN_NAME, demo_design_create


class Command(BaseCommand):
    help = "Create the demo user and the three-tier demo design, and print the login."

    def add_arguments(self, parser):
        parser.add_argument("--username", default=os.environ.get("POLICYEDITOR_DEMO_USER", "demo"))
        parser.add_argument("--password", default=os.environ.get("POLICYEDITOR_DEMO_PASSWORD", "demo-password"))

    def handle(self, *args, username, password, **options):
        user, created = get_user_model().objects.get_or_create(username=username)
        if created:
            user.set_password(password)
            user.save()
        if not user.designs.filter(name=DEMO_DESIGN_NAME).exists():
            demo_design_create(owner=user)
        self.stdout.write(
            self.style.SUCCESS("Demo ready at http://127.0.0.1:8000/")
            + f"\n  username: {username}\n  password: {password if created else '(unchanged: as set before)'}\n"
        )
