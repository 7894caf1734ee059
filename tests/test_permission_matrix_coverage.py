"""Every named URL of the storefront, the portal and the JSON API has a permission matrix row.

A matrix test is a test module that calls `check_matrix`; a URL counts as covered when its name
("portal:customer_list") appears in such a module. A new URL without a row fails here, so the
matrix cannot fall behind.
"""

from pathlib import Path

from django.urls import get_resolver

ROOT = Path(__file__).resolve().parent.parent


def matrix_sources() -> str:
    texts = []
    for path in [*ROOT.glob("rapport/**/tests/test_*.py"), *ROOT.glob("tests/**/test_*.py")]:
        text = path.read_text(encoding="utf-8")
        if "check_matrix(" in text and path.name != Path(__file__).name:
            texts.append(text)
    return "\n".join(texts)


def test_every_named_url_has_a_permission_matrix_row():
    sources = matrix_sources()
    names = set()
    for namespace in ("storefront", "portal", "api-v1"):
        resolver = get_resolver().namespace_dict[namespace][1]
        names |= {f"{namespace}:{n}" for n in resolver.reverse_dict if isinstance(n, str)}

    uncovered = {name for name in names if f'"{name}"' not in sources}

    assert names, "no URL names found"
    assert uncovered == set()


def test_matrix_groups_name_only_the_five_actors():
    from rapport.core.testing import (
        ACTORS,
        FORBIDDEN,
        GROUPS,
        REDIRECT_LOGIN,
        expect,
        signed_in_only,
    )

    assert all(set(members) <= set(ACTORS) for members in GROUPS.values())
    assert expect(**signed_in_only(200), other_customer=FORBIDDEN) == {
        "anonymous": REDIRECT_LOGIN,
        "customer": 200,
        "other_customer": FORBIDDEN,
        "employee": 200,
        "manager": 200,
    }
