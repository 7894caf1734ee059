"""The server's garbage-collector settings: parsed strictly, applied after startup."""

from __future__ import annotations

import gc

import pytest
from django.core.exceptions import ImproperlyConfigured

from rapport.core.gc_tuning import thresholds, tune_after_startup


@pytest.fixture
def restore_gc():
    before = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*before)


def test_three_positive_integers_are_the_thresholds():
    assert thresholds("50000, 20,100") == (50000, 20, 100)
    assert thresholds("  ") is None


@pytest.mark.parametrize("raw", ["50000,20", "a,b,c", "0,10,10", "-1,10,10", "1,2,3,4"])
def test_anything_else_is_refused_with_the_setting_named(raw):
    with pytest.raises(ImproperlyConfigured, match="RAPPORT_GC_THRESHOLDS"):
        thresholds(raw)


def test_startup_freezes_the_loaded_objects_and_sets_the_thresholds(settings, restore_gc):
    settings.RAPPORT_GC_THRESHOLDS = "40000,15,90"
    gc.unfreeze()

    tune_after_startup()

    assert gc.get_threshold() == (40000, 15, 90)
    assert gc.get_freeze_count() > 0


def test_an_empty_setting_leaves_the_collector_as_it_is(settings, restore_gc):
    settings.RAPPORT_GC_THRESHOLDS = ""
    gc.unfreeze()
    gc.set_threshold(700, 10, 10)

    tune_after_startup()

    assert gc.get_threshold() == (700, 10, 10)
    assert gc.get_freeze_count() == 0
