"""Test stories (tests/stories) replayed through the trained model with
`rasa test core --fail-on-prediction-errors`: a wrong intent or action fails."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.support import ROOT


def test_stories_pass_without_prediction_errors(trained_model: Path, tmp_path: Path):
    rasa = str(Path(sys.executable).parent / "rasa")
    result = subprocess.run(
        [rasa, "test", "core", "--model", str(trained_model), "--stories",
         str(ROOT / "tests" / "stories"), "--fail-on-prediction-errors",
         "--out", str(tmp_path / "results"), "--endpoints", str(ROOT / "endpoints.yml")],
        cwd=ROOT,
        # endpoints.yml sends the action server's secret; no action server runs here, but
        # Rasa refuses the file while the variable it names is unset.
        env={**os.environ, "RASA_TELEMETRY_ENABLED": "false", "VM_ACTION_SECRET": "unused"},
        capture_output=True,
        text=True,
        timeout=900,
    )  # fmt: skip
    failed = tmp_path / "results" / "failed_test_stories.yml"
    details = failed.read_text() if failed.exists() else result.stdout[-4000:]
    assert result.returncode == 0, details
    assert failed.exists() and "- story:" not in failed.read_text(), details
