"""Backups: encrypted at rest, a wrong key or an altered file refused, SQLite backup and
restore, retention, and on PostgreSQL the restore drill (pg_dump / pg_restore) with every
table's row count and checksum compared."""

import datetime
import io
import json
import shutil
import sqlite3

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from rapport.operations import backups, crypto, dumps
from rapport.operations.backups import BackupError
from rapport.operations.models import Backup, BackupStatus

pytestmark = pytest.mark.django_db

MARKER = "plain-text-marker-4711"


@pytest.fixture
def sqlite_site(tmp_path):
    """A small SQLite database and media folder standing in for a site."""
    path = tmp_path / "site.sqlite3"
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE product (id INTEGER PRIMARY KEY, name TEXT, price TEXT)")
    db.executemany(
        "INSERT INTO product (name, price) VALUES (?, ?)",
        [(f"{MARKER} {i}", f"{i}.50") for i in range(200)],
    )
    db.execute("CREATE TABLE empty_table (id INTEGER PRIMARY KEY)")
    db.commit()
    db.close()
    media = tmp_path / "media"
    (media / "products").mkdir(parents=True)
    (media / "products" / "lamp.jpg").write_bytes(b"JPEG " + MARKER.encode())
    return {"ENGINE": "django.db.backends.sqlite3", "NAME": str(path)}, media


def test_a_sqlite_backup_is_encrypted_listed_and_restores(backup_settings, sqlite_site, tmp_path):
    database, media = sqlite_site

    backup = backups.create_backup(database=database, media_root=media)

    path = backup_settings.RAPPORT_BACKUP_DIR / backup.file_name
    raw = path.read_bytes()
    assert backup.status == BackupStatus.OK
    assert backup.size_bytes == len(raw) and backup.sha256 == crypto.file_sha256(path)
    assert backup.tables["product"][0] == 200 and backup.tables["empty_table"] == [0, "0"]
    assert backup.media_files == 1
    # Encrypted at rest: neither the rows, the media nor SQLite's header are readable.
    assert MARKER.encode() not in raw and b"SQLite format 3" not in raw
    assert raw.startswith(crypto.MAGIC)

    target = {"ENGINE": "django.db.backends.sqlite3", "NAME": str(tmp_path / "restored.sqlite3")}
    restored_media = tmp_path / "restored-media"
    backups.restore_backup(
        reference=str(backup.public_id), target=target, media_root=restored_media
    )

    assert dumps.sqlite_checksums(tmp_path / "restored.sqlite3") == backup.tables
    assert (restored_media / "products" / "lamp.jpg").read_bytes() == b"JPEG " + MARKER.encode()


def test_the_sqlite_restore_drill_passes_and_is_recorded(backup_settings, sqlite_site):
    database, media = sqlite_site
    backup = backups.create_backup(database=database, media_root=media)

    result = backups.drill_backup(database=database)

    backup.refresh_from_db()
    assert result.ok and result.tables == 2 and result.rows == 200
    assert backup.drill_ok is True and backup.drill_report["mismatches"] == {}


def test_a_wrong_key_is_refused(backup_settings, sqlite_site, tmp_path):
    database, media = sqlite_site
    backup = backups.create_backup(database=database, media_root=media)
    backup_settings.RAPPORT_BACKUP_KEY = crypto.new_key()

    with pytest.raises(BackupError, match="encrypted with another key"):
        backups.restore_backup(
            reference=str(backup.public_id),
            target={"ENGINE": "django.db.backends.sqlite3", "NAME": str(tmp_path / "x.db")},
        )

    assert not (tmp_path / "x.db").exists()


def test_an_altered_file_is_refused(backup_settings, sqlite_site, tmp_path):
    database, media = sqlite_site
    backup = backups.create_backup(database=database, media_root=media)
    listed = backup_settings.RAPPORT_BACKUP_DIR / backup.file_name
    copy = tmp_path / "copy.rbk"  # not listed: only the encryption's tag can tell
    shutil.copy(listed, copy)
    for path in (listed, copy):
        data = bytearray(path.read_bytes())
        data[len(data) // 2] ^= 0x01
        path.write_bytes(bytes(data))
    target = {"ENGINE": "django.db.backends.sqlite3", "NAME": str(tmp_path / "x.db")}

    with pytest.raises(BackupError, match="does not match its recorded checksum"):
        backups.restore_backup(reference=str(backup.public_id), target=target)
    with pytest.raises(BackupError, match="altered or is damaged"):
        backups.restore_backup(reference=str(copy), target=target)

    assert not (tmp_path / "x.db").exists()
    assert list(backup_settings.RAPPORT_BACKUP_DIR.glob(".restore-*")) == []


def test_no_key_no_backup(settings, sqlite_site, tmp_path):
    settings.RAPPORT_BACKUP_DIR = tmp_path / "backups"
    settings.RAPPORT_BACKUP_KEY = ""
    database, media = sqlite_site

    with pytest.raises(BackupError, match="RAPPORT_BACKUP_KEY is not set"):
        backups.create_backup(database=database, media_root=media)

    assert Backup.objects.count() == 0


def test_a_failed_backup_is_listed_with_its_reason_and_leaves_no_file(backup_settings, tmp_path):
    missing = {"ENGINE": "django.db.backends.sqlite3", "NAME": str(tmp_path / "nope" / "x.db")}

    with pytest.raises(BackupError):
        backups.create_backup(database=missing, media_root=tmp_path)

    failed = Backup.objects.get()
    assert failed.status == BackupStatus.FAILED and failed.error
    assert list(backup_settings.RAPPORT_BACKUP_DIR.glob("*.rbk")) == []


def test_retention_keeps_dailies_and_weeklies(backup_settings):
    now = timezone.now().replace(hour=3, minute=0, second=0, microsecond=0)
    folder = backups.backup_dir()
    made = []
    for days in range(60):  # two backups a day for 60 days
        for hour in (1, 2):
            when = now - datetime.timedelta(days=days, hours=hour)
            name = f"b-{days}-{hour}.rbk"
            (folder / name).write_bytes(b"x")
            row = Backup.objects.create(engine="sqlite", file_name=name, status=BackupStatus.OK)
            Backup.objects.filter(pk=row.pk).update(created_at=when)
            made.append(name)

    pruned = backups.prune_backups(keep_daily=7, keep_weekly=4, now=now)

    kept = set(Backup.objects.filter(status=BackupStatus.OK).values_list("file_name", flat=True))
    assert {f"b-{d}-1.rbk" for d in range(7)} <= kept  # the newest of each of 7 days
    assert "b-0-2.rbk" in kept  # the last 24 hours are always kept
    assert len(kept) <= 7 + 4 + 2
    assert not any(n.startswith("b-59-") for n in kept)
    assert {p.file_name for p in pruned} == set(made) - kept
    assert sorted(p.name for p in folder.glob("*.rbk")) == sorted(kept)


# --- PostgreSQL: pg_dump, pg_restore and the drill ------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_postgres_backup_restore_drill_verifies_every_table(backup_settings, people, tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("the drill restores with pg_restore")
    from rapport.checkout.tests.factories import stocked_product

    for i in range(5):
        stocked_product(quantity=i + 1)

    call_command("backup", "--no-prune")
    backup = Backup.objects.get(status=BackupStatus.OK)
    assert backup.engine == "postgresql"
    assert backup.tables["catalog_product"][0] == 5
    assert backup.tables["accounts_user"][0] == 4
    raw = (backup_settings.RAPPORT_BACKUP_DIR / backup.file_name).read_bytes()
    assert b"PGDMP" not in raw and people["customer"].email.encode() not in raw

    out = io.StringIO()
    call_command("restore_drill", stdout=out)
    result = json.loads(out.getvalue())

    backup.refresh_from_db()
    assert result["ok"] is True and result["mismatches"] == {}
    assert result["tables"] == len(backup.tables) > 50
    assert result["rows"] == sum(rows for rows, _checksum in backup.tables.values())
    assert backup.drill_ok is True
    live = dumps.pg_checksums_of(dumps.pg_params(connection.settings_dict))
    assert {t: live[t] for t in ("catalog_product", "accounts_user")} == {
        t: backup.tables[t] for t in ("catalog_product", "accounts_user")
    }


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_postgres_restore_command_and_checksums_catch_a_changed_row(backup_settings, people):
    if connection.vendor != "postgresql":
        pytest.skip("needs pg_restore")
    backup = backups.create_backup()
    params = dumps.pg_params(connection.settings_dict)
    scratch = f"{params['dbname'][:40]}_restore_test"
    with dumps.scratch_pg_database(params, scratch) as target:
        url = f"postgres://{params.get('user', '')}@{params.get('host', '')}:{params.get('port', 5432)}/{scratch}"  # noqa: E501
        call_command("restore", str(backup.public_id), "--target-url", url)
        assert backups.compare_checksums(backup.tables, dumps.pg_checksums_of(target)) == {}

        import psycopg

        with psycopg.connect(**target) as conn:
            conn.execute(
                "UPDATE accounts_user SET first_name = 'Changed' WHERE email = %s",
                [people["customer"].email],
            )
        mismatches = backups.compare_checksums(backup.tables, dumps.pg_checksums_of(target))

    assert list(mismatches) == ["accounts_user"]
    assert mismatches["accounts_user"]["expected"][0] == mismatches["accounts_user"]["restored"][0]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_restore_refuses_the_live_database_without_confirmation(backup_settings):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL URL")
    from django.core.management.base import CommandError

    params = dumps.pg_params(connection.settings_dict)
    url = f"postgres://{params.get('user', '')}@{params.get('host', '')}:{params.get('port', 5432)}/{params['dbname']}"  # noqa: E501

    with pytest.raises(CommandError, match="the site's own database"):
        call_command("restore", "anything", "--target-url", url)


def test_a_failed_drill_is_recorded_and_raises_an_alert(backup_settings, sqlite_site):
    from rapport.operations.alerts import evaluate_alert_rules
    from rapport.operations.models import AlertRule
    from rapport.operations.rules import save_alert_rule

    database, media = sqlite_site
    backup = backups.create_backup(database=database, media_root=media)
    path = backup_settings.RAPPORT_BACKUP_DIR / backup.file_name
    data = bytearray(path.read_bytes())
    data[-1] ^= 0x01  # the tag: the file no longer proves itself
    path.write_bytes(bytes(data))
    Backup.objects.filter(pk=backup.pk).update(sha256="")  # only the tag can tell now
    AlertRule.objects.update(is_active=False)
    save_alert_rule(
        actor=None,
        values={
            "name": "Drill failed",
            "metric": "backup_drill_failed",
            "comparator": "gte",
            "threshold": "1",
            "window_minutes": "60",
            "severity": "critical",
            "is_active": True,
        },
    )

    with pytest.raises(BackupError, match="altered or is damaged"):
        backups.drill_backup(database=database)

    backup.refresh_from_db()
    assert backup.drill_ok is False and "altered" in backup.drill_report["error"]
    [alert] = evaluate_alert_rules().opened
    assert alert.rule.name == "Drill failed" and alert.first_value == 1
