"""The Rasa server's logging config file takes user text out of every logger's records,
also after Rasa replaces the console handler (as `rasa run` does)."""

from __future__ import annotations

import subprocess
import sys

from bot.security.logs import LOGGING_CONFIG_FILE

SECRET = "my manager Jan de Vries took 4000 euros"


def test_rasa_applies_the_logging_config_file_and_every_logger_is_redacted():
    """As `rasa run --logging-config-file` does it, then with Rasa's own console handler
    replacing ours (coloredlogs), Sanic's error logger and a structlog line."""
    script = f"""
import logging, sys
from rasa.utils.common import configure_logging_from_file
import rasa.utils.io
configure_logging_from_file({str(LOGGING_CONFIG_FILE)!r})
logging.getLogger("rasa.core.channels.rest").error("text=%s", {SECRET!r})
rasa.utils.io.configure_colored_logging("INFO")
logging.getLogger("sanic.error").error("body='%s'", {SECRET!r})
logging.getLogger("rasa.core.processor").error("Received user message '{SECRET}' here")
"""
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-2000:]
    assert output.count("[redacted]") >= 3, output[-2000:]
    assert "Jan de Vries" not in output
