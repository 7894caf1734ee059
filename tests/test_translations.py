"""Every string a person reads ships in Simplified Chinese as well as English.

The catalogue check regenerates the message catalogues from a copy of the source tree (so the
working tree is never touched) and fails on any string that no zh_Hans catalogue translates, on
fuzzy entries, and on compiled `.mo` files that lag behind their `.po` sources.
"""

import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ["rapport", "templates", "config", "locale", "manage.py"]
SKIP = shutil.ignore_patterns("__pycache__", "tests", "*.pyc", "*.mo")


def zh_catalogues(root: Path) -> list[Path]:
    found = [*root.glob("locale/zh_Hans/LC_MESSAGES/django.po")]
    found += root.glob("rapport/*/locale/zh_Hans/LC_MESSAGES/django.po")
    return sorted(found)


def entries(path: Path):
    return [e for e in polib.pofile(str(path)) if not e.obsolete]


def test_committed_catalogues_have_no_fuzzy_entry():
    fuzzy = {
        str(path.relative_to(ROOT)): [e.msgid for e in entries(path) if "fuzzy" in e.flags]
        for path in zh_catalogues(ROOT)
    }

    assert fuzzy and {k: v for k, v in fuzzy.items() if v} == {}


def test_compiled_catalogues_match_their_sources():
    stale = []
    for path in zh_catalogues(ROOT):
        mo = path.with_suffix(".mo")
        want = {(e.msgctxt, e.msgid): e.msgstr or e.msgstr_plural.get(0, "") for e in entries(path)}
        want = {k: v for k, v in want.items() if v}
        got = {
            (e.msgctxt, e.msgid): e.msgstr or e.msgstr_plural.get(0, "")
            for e in polib.mofile(str(mo))
            if e.msgid
        }
        if not mo.exists() or got != want:
            stale.append(str(mo.relative_to(ROOT)))

    assert stale == []


def test_every_translatable_string_has_a_chinese_translation(tmp_path):
    for name in SOURCES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, tmp_path / name, ignore=SKIP)
        else:
            shutil.copy2(source, tmp_path / name)

    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "zh_Hans", "--no-obsolete"],
        cwd=tmp_path,
        check=True,
        capture_output=True,
        env={"DJANGO_SETTINGS_MODULE": "config.settings_test", "PATH": "/usr/bin:/bin"},
    )
    extracted = {(e.msgctxt, e.msgid) for path in zh_catalogues(tmp_path) for e in entries(path)}
    # Django merges every catalogue at run time, so a string may be translated in any of them.
    translated = {
        (e.msgctxt, e.msgid)
        for path in zh_catalogues(ROOT)
        for e in entries(path)
        if e.translated() and "fuzzy" not in e.flags
    }

    assert extracted
    assert sorted(extracted - translated, key=str) == []


@pytest.mark.django_db
def test_the_store_answers_in_chinese_when_the_browser_asks(client):
    english = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    chinese = client.get("/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()

    assert "购物车" not in english
    assert "购物车" in chinese and 'lang="zh-hans"' in chinese


@pytest.mark.django_db
def test_the_footer_switch_changes_the_language_and_keeps_it(client):
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'name="language" value="zh-hans"' in page

    response = client.post(
        "/language/",
        {"language": "zh-hans"},
        HTTP_REFERER="http://testserver/cart/",
        HTTP_ORIGIN="http://testserver",
    )

    assert response.status_code == 302 and response["Location"] == "http://testserver/cart/"
    assert "购物车" in client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()


@pytest.mark.django_db
def test_pages_without_a_form_set_no_csrf_cookie(client):
    """The footer's language switch carries no CSRF token (it checks the browser's Origin
    instead), so a page with no form of its own mints no CSRF secret."""
    home = client.get("/", HTTP_ACCEPT_LANGUAGE="en")

    assert home.status_code == 200 and "csrfmiddlewaretoken" not in home.content.decode()
    assert "csrftoken" not in home.cookies


@pytest.mark.django_db
@pytest.mark.parametrize(
    "headers",
    [
        {},  # neither Origin nor Sec-Fetch-Site: not a browser form on our pages
        {"HTTP_ORIGIN": "https://elsewhere.example"},
        {"HTTP_ORIGIN": "http://testserver", "HTTP_SEC_FETCH_SITE": "cross-site"},
        {"HTTP_SEC_FETCH_SITE": "same-site"},
    ],
)
def test_the_language_switch_refuses_posts_from_other_sites(client, headers):
    response = client.post("/language/", {"language": "zh-hans"}, **headers)

    assert response.status_code == 403
    assert "django_language" not in response.cookies
    assert "购物车" not in client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()


@pytest.mark.django_db
def test_the_language_switch_accepts_a_same_origin_fetch_without_origin(client):
    response = client.post("/language/", {"language": "zh-hans"}, HTTP_SEC_FETCH_SITE="same-origin")

    assert response.status_code == 302 and response.cookies["django_language"].value == "zh-hans"


@pytest.mark.django_db
def test_the_language_switch_answers_only_posts(client):
    assert client.get("/language/?language=zh-hans").status_code == 405


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["", "xx-nope", "zh-hans" * 200])
def test_the_language_switch_ignores_a_language_the_store_does_not_have(client, language):
    response = client.post(
        "/language/",
        {"language": language},
        HTTP_REFERER="https://elsewhere.example/phish",
        HTTP_ORIGIN="http://testserver",
    )

    assert response.status_code == 302 and response["Location"] == "/"  # not off-site
    assert "django_language" not in response.cookies
