"""Support fixtures: an intent model trained on the small Bitext slices (once per process)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

DATA = Path(__file__).resolve().parents[3] / "tests" / "data" / "bitext"
SLICES = [DATA / "utterances_slice.csv.gz", DATA / "llm_slice.csv.gz"]


@pytest.fixture(scope="session")
def intent_model_file(tmp_path_factory: Any) -> Path:
    from rapport.support.intents import model

    path = tmp_path_factory.mktemp("intents") / "intent_model.joblib"
    model.train_and_save(SLICES, path=path)
    return path


@pytest.fixture
def intent_model(settings: Any, intent_model_file: Path) -> Path:
    """Inbound mail in this test is classified by the slice-trained model."""
    settings.RAPPORT_INTENT_MODEL_PATH = intent_model_file
    return intent_model_file
