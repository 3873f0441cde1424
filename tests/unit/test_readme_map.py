"""The README's "How it is built" map names the folders one to one: a newcomer who reads it
finds every package and every test layer, and nothing it names is missing."""

from __future__ import annotations

import re

from tests.support import ROOT

# A folder entry: indentation (two spaces a level), then a name ending in '/'.
_ENTRY = re.compile(r"^(?P<indent> *)(?P<name>[\w.-]+/)(?:\s|$)")


def _map_block() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## How it is built", 1)[1]
    return section.split("```", 2)[1].splitlines()


def mapped_folders() -> set[str]:
    """The folders the map names, as paths from the checkout's root."""
    folders: set[str] = set()
    parents: list[str] = []
    for line in _map_block():
        match = _ENTRY.match(line)
        if not match:
            continue
        level = len(match["indent"]) // 2
        parents = parents[:level]
        path = "/".join([*parents, match["name"].rstrip("/")])
        folders.add(path)
        parents.append(match["name"].rstrip("/"))
    return folders


# Folders that are not the project's: environments, caches, run-time state.
_NOT_OURS = {"var", "results", "__pycache__", "node_modules"}


def project_folders() -> set[str]:
    """Every top-level folder, every Python package, and every test layer's folders."""
    folders = {
        p.name
        for p in ROOT.iterdir()
        if p.is_dir() and not p.name.startswith(".") and p.name not in _NOT_OURS
    }
    for top in ("bot", "actions", "channels", "tests"):
        for init in (ROOT / top).rglob("__init__.py"):
            if not _NOT_OURS.intersection(init.parts):
                folders.add(str(init.parent.relative_to(ROOT)))
    folders.update(
        f"tests/{p.name}"
        for p in (ROOT / "tests").iterdir()
        if p.is_dir() and p.name not in _NOT_OURS and not p.name.startswith(".")
    )
    return folders


def test_every_package_and_layer_is_in_the_map():
    missing = sorted(project_folders() - mapped_folders())
    assert not missing, f"README's 'How it is built' does not name: {missing}"


def test_every_folder_in_the_map_exists():
    absent = sorted(f for f in mapped_folders() if not (ROOT / f).is_dir())
    assert not absent, f"README's 'How it is built' names folders that do not exist: {absent}"
