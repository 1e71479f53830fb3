"""`manage.py seed_demo`: load the demo organisation (units/demo_data.py) for local use.

Safe to run again: what already exists (by unit code, username, or an open role assignment)
is left exactly as it is, so a second run writes nothing and adds nothing to the audit trail.
"""

from importlib import import_module

import pghistory
from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group, Permission
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.module_loading import module_has_submodule

from units import demo_data
from units.models import Role, RoleAssignment, Unit
from units.services import role_assign, unit_create

HMS_DEPARTMENT_GROUP = "HMS-avdelingen"
# The hazard templates and round checklists are kept in the app (/risk/templates/), not here.
REFERENCE_MODELS = ["category", "riskmatrix"]


class Command(BaseCommand):
    help = "Create the NTNU-like demo organisation and its users (password: hms-demo)."

    def handle(self, *args, **options) -> None:
        if not settings.DEBUG:
            raise CommandError(
                "seed_demo creates users with a publicly known password, so it runs only "
                "with DEBUG on. Do not load the demo organisation into a production database."
            )
        with transaction.atomic(), pghistory.context(command="seed_demo"):
            units_created = self.create_units()
            users_created = self.create_users()
            roles_created = self.assign_roles()
            self.give_hms_department_the_admin()
            self.seed_app_demos()
        if units_created or users_created or roles_created:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Demo organisation: {units_created} units, {users_created} users and "
                    f"{roles_created} role assignments created "
                    f"(password for new users: {demo_data.DEMO_PASSWORD})."
                )
            )
        else:
            self.stdout.write("Demo organisation already in place: nothing created.")

    def seed_app_demos(self) -> None:
        """Each app's demo records (its `demo.seed()`: goals, measures, registers, training,
        indicator figures, ...), in INSTALLED_APPS order so the indicators apps, which read
        from all the others, come last. Found by name: units knows none of the apps above it.
        Every seed() is idempotent."""
        for config in apps.get_app_configs():
            if config.name != "units" and module_has_submodule(config.module, "demo"):
                import_module(f"{config.name}.demo").seed()

    def create_units(self) -> int:
        existing = set(Unit.objects.values_list("code", flat=True))
        created = 0
        # Walk the tree from the root down, so each parent exists before its children.
        pending = [(None, child) for child in demo_data.UNITS[None]]
        while pending:
            parent_code, (code, name_nb, name_en, unit_type) = pending.pop(0)
            if code not in existing:
                # Fetched afresh: treebeard's add_child changes the parent row, so an
                # instance held from earlier would carry a stale numchild and path data.
                parent = Unit.objects.get(code=parent_code) if parent_code else None
                unit_create(
                    parent=parent, code=code, name_nb=name_nb, name_en=name_en, unit_type=unit_type
                )
                existing.add(code)
                created += 1
            pending.extend((code, child) for child in demo_data.UNITS.get(code, []))
        return created

    def create_users(self) -> int:
        User = get_user_model()
        usernames = [username for username, _, _, _ in demo_data.USERS]
        existing = set(
            User.objects.filter(username__in=usernames).values_list("username", flat=True)
        )
        new_users = [row for row in demo_data.USERS if row[0] not in existing]
        if not new_users:
            return 0
        # One hash shared by all new demo users: hashing is deliberately slow, and the
        # password is the same published one for all of them anyway.
        password = make_password(demo_data.DEMO_PASSWORD)
        for username, first_name, last_name, email in new_users:
            is_admin = username == demo_data.ADMIN_USERNAME
            User.objects.create(
                username=username,
                first_name=first_name,
                last_name=last_name,
                email=email,
                password=password,
                is_staff=is_admin,
                is_superuser=is_admin,
            )
        return len(new_users)

    def give_hms_department_the_admin(self) -> None:
        """The HSE department keeps the deviation categories in the admin: a staff account in a
        group with just those permissions (the templates and checklists it keeps in the app)."""
        group, _created = Group.objects.get_or_create(name=HMS_DEPARTMENT_GROUP)
        permissions = Permission.objects.filter(
            content_type__app_label__in=["deviations", "risk"],
            content_type__model__in=REFERENCE_MODELS,
        )
        group.permissions.add(*permissions)
        for username, role, _code in demo_data.ROLES:
            if role == Role.HMS_DEPARTMENT:
                user = get_user_model().objects.get(username=username)
                if not user.is_staff:
                    user.is_staff = True
                    user.save(update_fields=["is_staff"])
                user.groups.add(group)

    def assign_roles(self) -> int:
        User = get_user_model()
        usernames = {username for username, _, _ in demo_data.ROLES}
        codes = {code for _, _, code in demo_data.ROLES}
        users = {user.username: user for user in User.objects.filter(username__in=usernames)}
        units = {unit.code: unit for unit in Unit.objects.filter(code__in=codes)}
        today = timezone.localdate()
        created = 0
        for username, role, code in demo_data.ROLES:
            # The same period test as role_assign: an assignment still open today (or
            # starting later) already gives the role, and a second one would be refused.
            held = (
                RoleAssignment.objects.filter(user=users[username], unit=units[code], role=role)
                .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=today))
                .exists()
            )
            if not held:
                role_assign(unit=units[code], user=users[username], role=role)
                created += 1
        return created
