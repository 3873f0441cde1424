"""Reading directory files (YAML and CSV) with the line of every value."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Optional

import yaml

from bot.directory.files.formats import (
    ADVISOR_COLUMNS,
    FORMATS,
    MAX_FILE_BYTES,
    POST_COLUMNS,
    TOP_LEVEL_KEYS,
    Problem,
    RawRecord,
    Sources,
)
from bot.directory.files.validation import as_list, valid_country

# --- reading ----------------------------------------------------------------------------


class _Mapping(dict):
    """A YAML mapping that remembers the line of itself and of each key."""

    line: int = 0
    key_lines: dict[Any, int]
    duplicates: list[tuple[Any, int]]


class _LineLoader(yaml.SafeLoader):
    pass


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> _Mapping:
    loader.flatten_mapping(node)
    mapping = _Mapping()
    mapping.line = node.start_mark.line + 1
    mapping.key_lines = {}
    mapping.duplicates = []
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        line = key_node.start_mark.line + 1
        try:
            hash(key)
        except TypeError:
            raise yaml.constructor.ConstructorError(
                None, None, "a key must be plain text", key_node.start_mark
            ) from None
        if key in mapping:
            mapping.duplicates.append((key, line))
        mapping[key] = loader.construct_object(value_node, deep=True)
        mapping.key_lines[key] = line
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def detect_format(path: Path, fmt: Optional[str] = None) -> str:
    if fmt:
        if fmt not in FORMATS:
            raise ValueError(f"unknown format '{fmt}' (use yaml or csv)")
        return fmt
    suffix = path.suffix.lower()
    if suffix in (".yml", ".yaml"):
        return "yaml"
    if suffix == ".csv":
        return "csv"
    raise ValueError(f"{path}: cannot tell the format from the name; use --format yaml|csv")


def directory_files(folder: Path) -> list[Path]:
    """The directory files in a folder: posts.* then advisors.*."""
    found = []
    for stem in ("posts", "advisors"):
        for suffix in (".yml", ".yaml", ".csv"):
            if (folder / f"{stem}{suffix}").is_file():
                found.append(folder / f"{stem}{suffix}")
    return found


def expand_paths(paths: Sequence[Path]) -> list[Path]:
    """Folders stand for the directory files in them."""
    expanded: list[Path] = []
    for path in paths:
        expanded.extend(directory_files(path) if path.is_dir() else [path])
    return expanded


def _read_text(path: Path, problems: list[Problem]) -> Optional[str]:
    source = path.name
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            problems.append(Problem(source, None, None, "file is larger than 5 MB"))
            return None
        return path.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        problems.append(Problem(source, None, None, f"file not found: {path}"))
    except IsADirectoryError:
        problems.append(Problem(source, None, None, "is a folder without directory files"))
    except UnicodeDecodeError as error:
        problems.append(Problem(source, None, None, f"not UTF-8 text (byte {error.start})"))
    except OSError as error:
        problems.append(Problem(source, None, None, f"cannot be read ({error.strerror})"))
    return None


def _read_yaml(text: str, source: str, sources: Sources, problems: list[Problem]) -> None:
    try:
        data = yaml.load(text, Loader=_LineLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else None
        problems.append(Problem(source, line, None, f"not valid YAML: {error.problem}"))
        return
    except yaml.YAMLError as error:
        problems.append(Problem(source, None, None, f"not valid YAML: {error}"))
        return
    if data is None:
        problems.append(Problem(source, None, None, "the file is empty"))
        return
    if not isinstance(data, _Mapping):
        problems.append(Problem(source, 1, None, f"expected keys {', '.join(TOP_LEVEL_KEYS)}"))
        return
    _report_duplicates(data, source, problems)
    for key in data:
        if key not in TOP_LEVEL_KEYS:
            problems.append(Problem(source, data.key_lines[key], str(key), "unknown section"))
    demo = data.get("demo", False)
    if not isinstance(demo, bool):
        problems.append(
            Problem(source, data.key_lines.get("demo"), "demo", "must be true or false")
        )
        demo = False
    if "countries" in data:
        _read_countries(data, source, sources, problems)
    for section in ("posts", "advisors"):
        if section not in data:
            continue
        setattr(sources, f"has_{section}", True)
        items = data[section]
        if not isinstance(items, list):
            problems.append(Problem(source, data.key_lines[section], section, "must be a list"))
            continue
        for item in items:
            if not isinstance(item, _Mapping):
                problems.append(
                    Problem(source, data.key_lines[section], section, "each entry must have keys")
                )
                continue
            _report_duplicates(item, source, problems)
            values = dict(item)
            if section == "advisors":
                values.setdefault("demo", demo)
            raw = RawRecord(source, item.line, values, dict(item.key_lines))
            getattr(sources, section).append(raw)


def _report_duplicates(mapping: _Mapping, source: str, problems: list[Problem]) -> None:
    for key, line in mapping.duplicates:
        problems.append(Problem(source, line, str(key), "appears twice"))


def _read_countries(data: _Mapping, source: str, sources: Sources, problems: list[Problem]) -> None:
    countries = data["countries"]
    line = data.key_lines["countries"]
    if not isinstance(countries, _Mapping):
        problems.append(Problem(source, line, "countries", "must map country codes to names"))
        return
    _report_duplicates(countries, source, problems)
    for key, names in countries.items():
        key_line = countries.key_lines[key]
        if isinstance(key, bool):
            problems.append(
                Problem(
                    source, key_line, "countries", "quote the country code (YAML reads NO as false)"
                )
            )
            continue
        code = str(key).strip().upper()
        if not valid_country(code):
            problems.append(
                Problem(source, key_line, "countries", f"'{key}' is not an ISO 3166-1 code")
            )
            continue
        listed = as_list(names)
        if listed is None or not listed:
            problems.append(Problem(source, key_line, f"countries.{code}", "must list names"))
            continue
        if code in sources.countries:
            problems.append(Problem(source, key_line, f"countries.{code}", "listed twice"))
            continue
        sources.countries[code] = ([str(name) for name in listed], source, key_line)


def _read_csv(text: str, source: str, sources: Sources, problems: list[Problem]) -> None:
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        problems.append(Problem(source, None, None, "the file is empty"))
        return
    except csv.Error as error:
        problems.append(Problem(source, 1, None, f"not valid CSV: {error}"))
        return
    header = [name.strip() for name in header]
    columns: tuple[str, ...]
    if "code" in header:
        section, columns = "posts", POST_COLUMNS
    elif "id" in header:
        section, columns = "advisors", ADVISOR_COLUMNS
    else:
        problems.append(
            Problem(
                source,
                1,
                None,
                "header must have the post columns (code, ...) or the advisor columns (id, ...)",
            )
        )
        return
    setattr(sources, f"has_{section}", True)
    required = set(columns) - {"demo", "aliases", "whatsapp", "phone", "email", "home_post"}
    required -= {"posts", "regions", "time_zone", "country_names", "city_names"}
    for missing in [c for c in columns if c in required and c not in header]:
        problems.append(Problem(source, 1, missing, "column is missing"))
    for unknown in [c for c in header if c not in columns]:
        problems.append(Problem(source, 1, unknown or "(empty)", "unknown column"))
    seen: set[str] = set()
    for name in header:
        if name in seen:
            problems.append(Problem(source, 1, name, "column appears twice"))
        seen.add(name)
    try:
        for row in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            if len(row) != len(header):
                problems.append(
                    Problem(
                        source, line, None, f"has {len(row)} cells, the header has {len(header)}"
                    )
                )
                continue
            values = {
                name: cell
                for name, cell in zip(header, row, strict=True)
                if name in columns and cell.strip()
            }
            getattr(sources, section).append(RawRecord(source, line, values, {}))
    except csv.Error as error:
        problems.append(Problem(source, reader.line_num, None, f"not valid CSV: {error}"))


def read_sources(paths: Sequence[Path], fmt: Optional[str] = None) -> tuple[Sources, list[Problem]]:
    sources = Sources()
    problems: list[Problem] = []
    for path in expand_paths(paths):
        try:
            kind = detect_format(path, fmt)
        except ValueError as error:
            problems.append(Problem(path.name, None, None, str(error)))
            continue
        text = _read_text(path, problems)
        if text is None:
            continue
        if kind == "yaml":
            _read_yaml(text, path.name, sources, problems)
        else:
            _read_csv(text, path.name, sources, problems)
    if not paths:
        problems.append(Problem("(no files)", None, None, "give at least one file"))
    return sources, problems
