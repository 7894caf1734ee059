"""Give the roles real model permissions. A manager holds everything an employee holds."""

from django.db import migrations

VIEW = "view"
EMPLOYEE = {
    "catalog": {"category": [VIEW], "product": [VIEW, "change"], "seller": [VIEW]},
    "customers": {"customer": [VIEW]},
    "orders": {"order": [VIEW, "change"], "orderline": [VIEW], "review": [VIEW]},
    "payments": {"payment": [VIEW]},
}
MANAGER_EXTRA = {
    "catalog": {"category": ["add", "change"], "product": ["add"], "seller": ["add", "change"]},
    "customers": {"customer": ["change"]},
    "orders": {"review": ["change"]},
    "payments": {"payment": ["change"]},
    "accounts": {"user": [VIEW, "add", "change"]},
    "core": {"auditentry": [VIEW]},
}


def _codenames(spec):
    for app_label, models in spec.items():
        for model, actions in models.items():
            for action in actions:
                yield app_label, f"{action}_{model}"


def grant(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    # Permissions are normally created after all migrations; make sure they exist now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")

    def perms(spec):
        found = []
        for app_label, codename in _codenames(spec):
            found.append(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )
        return found

    employee, _ = Group.objects.get_or_create(name="Employee")
    manager, _ = Group.objects.get_or_create(name="Manager")
    employee_perms = perms(EMPLOYEE)
    employee.permissions.add(*employee_perms)
    manager.permissions.add(*employee_perms, *perms(MANAGER_EXTRA))


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for group in Group.objects.filter(name__in=["Employee", "Manager"]):
        group.permissions.clear()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_security"),
        ("catalog", "0001_initial"),
        ("customers", "0001_initial"),
        ("orders", "0001_initial"),
        ("payments", "0001_initial"),
        ("core", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]
    operations = [migrations.RunPython(grant, revoke)]
