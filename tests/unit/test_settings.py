"""bot.settings lists every environment variable the project reads, and the README's
"Settings" table lists the same ones with the same defaults."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.settings import PROJECT_ROOT, settings
from bot.variables import DECLARED, shown_default

# os.environ / getenv in Python, $NAME or ${NAME...} in the bin/ scripts.
PYTHON_READ = re.compile(r"""(?:environ(?:\.get)?\(|environ\[|getenv\()\s*["']([A-Z_0-9]+)""")
SHELL_READ = re.compile(r"\$\{?([A-Z][A-Z_0-9]*)")
MAPPING_READ = re.compile(r"""environment(?:\.get\(|\[)\s*["']([A-Z_0-9]+)""")
# Set by the shell or by Python itself, not by whoever runs the assistant.
NOT_OURS = {"HOME", "PATH", "PYENV_ROOT", "FAST_LANGDETECT"}


def _readme_table() -> dict[str, str]:
    """Variable name -> default, from the table under "## Settings"."""
    readme = (PROJECT_ROOT / "README.md").read_text()
    section = readme.split("\n## Settings\n", 1)[1].split("\n## ", 1)[0]
    rows: dict[str, str] = {}
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        match = re.fullmatch(r"`([A-Z_0-9]+)`", cells[0]) if line.startswith("|") else None
        if match:
            assert match.group(1) not in rows, f"{match.group(1)} is listed twice"
            rows[match.group(1)] = cells[1]
    return rows


def test_the_readme_lists_exactly_the_declared_variables_with_their_defaults():
    table = _readme_table()
    assert sorted(table) == sorted(DECLARED)
    for name, default in table.items():
        assert default == shown_default(DECLARED[name]), name


def _files(*patterns: str) -> list[Path]:
    return [path for pattern in patterns for path in sorted(PROJECT_ROOT.glob(pattern))]


def test_every_variable_the_code_reads_is_declared():
    read: dict[str, Path] = {}
    for path in _files("bot/**/*.py", "actions/**/*.py", "channels/**/*.py", "tests/**/*.py"):
        text = path.read_text()
        for pattern in (PYTHON_READ, MAPPING_READ):
            read.update((name, path) for name in pattern.findall(text))
    for path in _files("bin/*"):
        read.update((name, path) for name in SHELL_READ.findall(path.read_text()))
    undeclared = {name: str(path) for name, path in read.items() if name not in DECLARED}
    assert not {k: v for k, v in undeclared.items() if k not in NOT_OURS}


def test_the_assistant_reads_the_environment_only_through_bot_settings():
    readers = [
        str(path.relative_to(PROJECT_ROOT))
        for path in _files("bot/**/*.py", "actions/**/*.py", "channels/**/*.py")
        if path.name != "settings.py" and re.search(r"os\.environ|getenv\(", path.read_text())
    ]
    assert readers == []


def test_defaults_apply_when_a_variable_is_unset_or_empty(monkeypatch: pytest.MonkeyPatch):
    for name in ("DATABASE_URL", "VM_RECEIPT_MAX_FAILURES", "VM_CONTENT_DIR"):
        monkeypatch.setenv(name, "")
    monkeypatch.setenv("VM_STATE_DIR", "/srv/vm")
    current = settings()
    assert current.database_url == "sqlite:////srv/vm/veilig-melden.db"
    assert current.receipt_max_failures == 5
    assert current.content_dir == PROJECT_ROOT / "data" / "content"


def test_a_heroku_style_database_url_names_the_dialect_sqlalchemy_knows(
    monkeypatch: pytest.MonkeyPatch,
):
    monkeypatch.setenv("DATABASE_URL", "postgres://u:p@host/db")
    assert settings().database_url == "postgresql://u:p@host/db"


def test_an_undeclared_variable_cannot_be_read():
    with pytest.raises(KeyError):
        settings().value("VM_NOT_DECLARED")
