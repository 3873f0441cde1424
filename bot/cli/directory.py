"""The advisor directory (DATABASE_URL):

    directory import FILE [FILE ...] [--format yaml|csv]   replace the directory (all or nothing)
    directory export TARGET [--format yaml|csv]             a .yml file, or a folder of two files
    directory check FILE [FILE ...] [--format yaml|csv]     validate only
    directory seed [--force]                                import data/directory (VM_DIRECTORY_DIR)

A folder given as FILE stands for the posts.* and advisors.* files in it. File layouts:
bot/directory/files/.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot import runtime
from bot.cli.printable import line, say
from bot.directory.files.formats import DirectoryInvalid, LoadedDirectory
from bot.directory.files.importing import import_directory, load_directory_files
from bot.directory.files.reading import read_sources
from bot.directory.files.writing import export_directory
from bot.directory.tables import directory_is_empty, read_directory
from bot.settings import settings


def _refused(error: DirectoryInvalid, what: str) -> int:
    count = len(error.problems)
    say(f"{what}: {count} problem{'s' if count != 1 else ''}", file=sys.stderr)
    for problem in error.problems:
        # A problem quotes the file's values: one line each, whatever the file holds.
        say(f"  {line(problem)}", file=sys.stderr)
    return 1


def _summary(loaded: LoadedDirectory) -> str:
    parts = []
    if loaded.posts is not None:
        parts.append(f"{len(loaded.posts)} posts")
    if loaded.advisors is not None:
        parts.append(f"{len(loaded.advisors)} advisors")
    return " and ".join(parts)


def _import(args: argparse.Namespace) -> int:
    try:
        loaded = import_directory(runtime.database(), args.files, args.format)
    except DirectoryInvalid as error:
        return _refused(error, "refused, nothing was imported")
    say(f"imported {_summary(loaded)}")
    return 0


def _check(args: argparse.Namespace) -> int:
    sources, _problems = read_sources(args.files, args.format)
    current = None
    if not (sources.has_posts and sources.has_advisors):
        # Part of a directory: checked against the rest as stored.
        with runtime.database().session() as session:
            current = read_directory(session)
    try:
        loaded = load_directory_files(args.files, args.format, current)
    except DirectoryInvalid as error:
        return _refused(error, "invalid")
    say(f"valid: {_summary(loaded)}")
    return 0


def _export(args: argparse.Namespace) -> int:
    target: Path = args.target
    fmt = args.format or ("csv" if target.suffix.lower() == ".csv" else "yaml")
    with runtime.database().session() as session:
        directory = read_directory(session)
    try:
        written = export_directory(directory, target, fmt)
    except (ValueError, OSError) as error:
        say(f"not exported: {line(error)}", file=sys.stderr)
        return 1
    for path in written:
        say(f"wrote {line(path)}")
    return 0


def _seed(args: argparse.Namespace) -> int:
    folder = settings().directory_dir
    database = runtime.database()
    with database.session() as session:
        empty = directory_is_empty(session)
    if not empty and not args.force:
        say(
            "the database already has a directory; `directory seed --force` replaces it",
            file=sys.stderr,
        )
        return 1
    try:
        loaded = import_directory(database, [folder])
    except DirectoryInvalid as error:
        return _refused(error, f"{folder} refused, nothing was imported")
    say(f"imported {_summary(loaded)} from {line(folder)}")
    return 0


def add_commands(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("directory", help="the advisor directory (DATABASE_URL)")
    actions = parser.add_subparsers(dest="directory_command", required=True)
    formats = {"choices": ("yaml", "csv"), "default": None, "help": "default: from the suffix"}

    importing = actions.add_parser("import", help="replace the directory from files")
    importing.add_argument("files", nargs="+", type=Path)
    importing.add_argument("--format", **formats)
    importing.set_defaults(handler=_import)

    exporting = actions.add_parser("export", help="write the directory to files")
    exporting.add_argument("target", type=Path, help="a .yml file or a folder")
    exporting.add_argument("--format", **formats)
    exporting.set_defaults(handler=_export)

    checking = actions.add_parser("check", help="validate files without importing")
    checking.add_argument("files", nargs="+", type=Path)
    checking.add_argument("--format", **formats)
    checking.set_defaults(handler=_check)

    seeding = actions.add_parser("seed", help="import the directory shipped in data/directory")
    seeding.add_argument("--force", action="store_true", help="replace an existing directory")
    seeding.set_defaults(handler=_seed)
