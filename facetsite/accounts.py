"""What create_editor and create_trainer share: an account in one group, its password from
--password, an environment variable or a prompt, validated like any other password.

A command subclasses ``GroupAccountCommand`` and names its group, the environment variable
that can hold the password, whether the account is staff (the back office) and the role's
word for its messages.
"""

import getpass
import os
import sys

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email
from django.db import transaction


class GroupAccountCommand(BaseCommand):
    group: str
    password_env: str
    staff: bool
    role: str  # "editor", "trainer"

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--email", default=None)
        parser.add_argument(
            "--password",
            default=None,
            help=(
                f"visible to other users of this machine; prefer ${self.password_env} or the prompt"
            ),
        )

    def handle(self, *args, username: str, email: str | None, password: str | None, **options):
        User = get_user_model()
        username = username.strip()
        try:
            User.username_validator(username)
        except ValidationError as error:
            raise CommandError(
                f"Invalid username {username!r}: {' '.join(error.messages)}"
            ) from None
        if email is not None:
            try:
                validate_email(email)
            except ValidationError:
                raise CommandError(f"Invalid email address {email!r}.") from None
        group = Group.objects.filter(name=self.group).first()
        if group is None:
            raise CommandError(f"The group “{self.group}” does not exist: run `manage.py migrate`.")

        user = User.objects.filter(username=username).first()
        if password is None:
            password = os.environ.get(self.password_env) or None
        if password is None and user is None:
            password = self.prompt_password()
        if password is not None:
            candidate = user or User(username=username, email=email or "")
            try:
                validate_password(password, candidate)
            except ValidationError as error:
                raise CommandError("Password refused: " + " ".join(error.messages)) from None

        with transaction.atomic():
            created = user is None
            if created:
                user = User(username=username)
            if self.staff:
                user.is_staff = True
            if email is not None:
                user.email = email
            if password is not None:
                user.set_password(password)
            user.save()
            user.groups.add(group)

        what = "Created" if created else "Updated"
        kept = "" if created or password is not None else " (password unchanged)"
        self.stdout.write(
            self.style.SUCCESS(f"{what} {self.role} {username!r} in “{self.group}”{kept}.")
        )
        if not user.is_active:
            self.stdout.write(
                self.style.WARNING(
                    f"{username!r} is deactivated and cannot sign in until "
                    "a superuser reactivates the account."
                )
            )

    def prompt_password(self) -> str:
        if not sys.stdin.isatty():
            raise CommandError(
                f"No password given: pass --password, set ${self.password_env}, or run the command "
                "in a terminal to be prompted."
            )
        password = getpass.getpass("Password: ")
        if password != getpass.getpass("Password (again): "):
            raise CommandError("The passwords do not match; nothing was changed.")
        if not password:
            raise CommandError("The password is empty; nothing was changed.")
        return password
