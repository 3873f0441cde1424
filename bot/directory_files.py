"""Directory files: reading, validating and writing posts and advisors as YAML or CSV.

YAML (data/directory/posts.yml and advisors.yml are examples): top-level keys `demo`
(advisors' default), `countries` (ISO code -> names users may write), `posts` and
`advisors` (lists of mappings). One file may hold all of them, or they may be split.

CSV: one table per file, recognised by its header; list cells are separated by `;`.
  posts:    code,kind,city,country,region,time_zone,calling_code,city_names,country_names,aliases
  advisors: id,name,gender,kind,languages,posts,regions,home_post,time_zone,phone,whatsapp,
            email,availability,active,demo
  (availability: 'mon-fri 09:00-17:00; sat 10:00-12:00'; active/demo: true/false)

Validation reads everything first and reports every problem with file, line and field;
a file with any problem is refused whole (`DirectoryInvalid`), nothing is imported."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

import phonenumbers
import yaml

from bot.db import Database
from bot.directory import (
    ADVISOR_KINDS,
    GENDERS,
    ISO_639_1,
    POST_KINDS,
    REGIONS,
    SERVES_ALL,
    AdvisorRecord,
    Directory,
    PostRecord,
    parse_window,
    read_directory,
    replace_directory,
    time_zones,
)

FORMATS = ("yaml", "csv")
MAX_FILE_BYTES = 5_000_000
POST_COLUMNS = (
    "code",
    "kind",
    "city",
    "country",
    "region",
    "time_zone",
    "calling_code",
    "city_names",
    "country_names",
    "aliases",
)
ADVISOR_COLUMNS = (
    "id",
    "name",
    "gender",
    "kind",
    "languages",
    "posts",
    "regions",
    "home_post",
    "time_zone",
    "phone",
    "whatsapp",
    "email",
    "availability",
    "active",
    "demo",
)
# In YAML, a post's country names come from `countries`, and `demo` may be file-wide.
POST_YAML_FIELDS = tuple(column for column in POST_COLUMNS if column != "country_names")
LIST_FIELDS = {"city_names", "country_names", "aliases", "languages", "posts", "regions"}
LIST_FIELDS |= {"availability"}
TOP_LEVEL_KEYS = ("demo", "countries", "posts", "advisors")

_CODE = re.compile(r"^[A-Z0-9]+(?:-[A-Z0-9]+)*$")
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_TRUE = {"true", "yes", "1", "y"}
_FALSE = {"false", "no", "0", "n"}


@dataclass(frozen=True)
class Problem:
    source: str
    line: Optional[int]
    field: Optional[str]
    message: str

    def __str__(self) -> str:
        where = self.source if self.line is None else f"{self.source}, line {self.line}"
        return (
            f"{where}, {self.field}: {self.message}" if self.field else f"{where}: {self.message}"
        )


class DirectoryInvalid(ValueError):
    """The files were refused; `problems` lists every reason."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(problem) for problem in self.problems))


@dataclass(frozen=True)
class LoadedDirectory:
    """What the files hold. None: the files had no such section (it is left as stored)."""

    posts: Optional[tuple[PostRecord, ...]]
    advisors: Optional[tuple[AdvisorRecord, ...]]


@dataclass
class _Raw:
    source: str
    line: int
    values: dict[str, Any]
    lines: dict[str, int]

    def line_of(self, name: str) -> int:
        return self.lines.get(name, self.line)


@dataclass
class _Sources:
    posts: list[_Raw] = field(default_factory=list)
    advisors: list[_Raw] = field(default_factory=list)
    countries: dict[str, tuple[list[str], str, int]] = field(default_factory=dict)
    has_posts: bool = False
    has_advisors: bool = False


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


def _read_yaml(text: str, source: str, sources: _Sources, problems: list[Problem]) -> None:
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
            raw = _Raw(source, item.line, values, dict(item.key_lines))
            getattr(sources, section).append(raw)


def _report_duplicates(mapping: _Mapping, source: str, problems: list[Problem]) -> None:
    for key, line in mapping.duplicates:
        problems.append(Problem(source, line, str(key), "appears twice"))


def _read_countries(
    data: _Mapping, source: str, sources: _Sources, problems: list[Problem]
) -> None:
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
        if not _valid_country(code):
            problems.append(
                Problem(source, key_line, "countries", f"'{key}' is not an ISO 3166-1 code")
            )
            continue
        listed = _as_list(names)
        if listed is None or not listed:
            problems.append(Problem(source, key_line, f"countries.{code}", "must list names"))
            continue
        if code in sources.countries:
            problems.append(Problem(source, key_line, f"countries.{code}", "listed twice"))
            continue
        sources.countries[code] = ([str(name) for name in listed], source, key_line)


def _read_csv(text: str, source: str, sources: _Sources, problems: list[Problem]) -> None:
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
            getattr(sources, section).append(_Raw(source, line, values, {}))
    except csv.Error as error:
        problems.append(Problem(source, reader.line_num, None, f"not valid CSV: {error}"))


def read_sources(
    paths: Sequence[Path], fmt: Optional[str] = None
) -> tuple[_Sources, list[Problem]]:
    sources = _Sources()
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


# --- validation -------------------------------------------------------------------------


def _valid_country(code: str) -> bool:
    return len(code) == 2 and code in phonenumbers.SUPPORTED_REGIONS


def _as_list(value: Any) -> Optional[list[Any]]:
    """YAML lists as they are; CSV cells split on ';'. None: neither."""
    if value is None:
        return []
    if isinstance(value, list):
        return value
    if isinstance(value, str):
        return [part.strip() for part in value.split(";") if part.strip()]
    return None


class _Checker:
    """Collects problems for one record."""

    def __init__(self, raw: _Raw, problems: list[Problem]) -> None:
        self.raw = raw
        self.problems = problems
        self.ok = True

    def fail(self, name: str, message: str) -> None:
        self.ok = False
        self.problems.append(Problem(self.raw.source, self.raw.line_of(name), name, message))

    def text(self, name: str, required: bool = True, limit: int = 200) -> Optional[str]:
        value = self.raw.values.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.fail(name, "is required")
            return None
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            self.fail(name, "must be text")
            return None
        text = str(value).strip()
        if len(text) > limit:
            self.fail(name, f"is longer than {limit} characters")
            return None
        return text

    def choice(self, name: str, options: Sequence[str]) -> Optional[str]:
        value = self.text(name)
        if value is None:
            return None
        if value.lower() not in options:
            self.fail(name, f"'{value}' is not one of {', '.join(options)}")
            return None
        return value.lower()

    def texts(self, name: str, required: bool = False) -> list[str]:
        value = _as_list(self.raw.values.get(name))
        if value is None or any(
            isinstance(item, bool) or not isinstance(item, (str, int, float)) for item in value
        ):
            self.fail(name, "must be a list of text" + (" (separate with ;)" if self._csv else ""))
            return []
        items = [str(item).strip() for item in value if str(item).strip()]
        if required and not items:
            self.fail(name, "must list at least one")
        return list(dict.fromkeys(items))

    def flag(self, name: str, default: Optional[bool] = None) -> bool:
        value = self.raw.values.get(name)
        if value is None and default is not None:
            return default
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
            return value.strip().lower() in _TRUE
        self.fail(name, "must be true or false" if value is not None else "is required")
        return False

    def unknown(self, allowed: Sequence[str]) -> None:
        for name in self.raw.values:
            if name not in allowed:
                self.fail(str(name), "unknown field")

    @property
    def _csv(self) -> bool:
        return self.raw.source.lower().endswith(".csv")


def _check_post(
    raw: _Raw, countries: dict[str, tuple[list[str], str, int]], problems: list[Problem]
) -> Optional[PostRecord]:
    check = _Checker(raw, problems)
    in_yaml = not check._csv
    check.unknown(POST_YAML_FIELDS if in_yaml else POST_COLUMNS)
    code = check.text("code", limit=32)
    if code is not None:
        code = code.upper()
        if not _CODE.match(code):
            check.fail("code", f"'{code}' must be letters and digits (and '-')")
    kind = check.choice("kind", POST_KINDS)
    city = check.text("city", limit=120)
    country_value = raw.values.get("country")
    country: Optional[str] = None
    if isinstance(country_value, bool):
        check.fail("country", "quote the country code (YAML reads NO as false)")
    else:
        country = check.text("country", limit=8)
        if country is not None:
            country = country.upper()
            if not _valid_country(country):
                check.fail("country", f"'{country}' is not an ISO 3166-1 alpha-2 code")
                country = None
    region = check.choice("region", REGIONS)
    zone = check.text("time_zone", limit=64)
    if zone is not None and zone not in time_zones():
        check.fail("time_zone", f"'{zone}' is not an IANA time zone")
    calling = check.text("calling_code", limit=8)
    if calling is not None:
        calling = "+" + calling.lstrip("+").strip()
        if country is not None:
            expected = f"+{phonenumbers.country_code_for_region(country)}"
            if calling != expected:
                check.fail("calling_code", f"'{calling}' is not {country}'s code ({expected})")
    city_names = check.texts("city_names")
    aliases = [alias.upper() for alias in check.texts("aliases")]
    for alias in aliases:
        if not _CODE.match(alias):
            check.fail("aliases", f"'{alias}' must be letters and digits (and '-')")
    if in_yaml:
        names = countries.get(country or "", ([], "", 0))[0]
        if country is not None and country not in countries:
            check.fail("country", f"'{country}' has no names under `countries`")
    else:
        names = check.texts("country_names")
    if not check.ok:
        return None
    assert code and kind and city and country and region and zone and calling
    return PostRecord(
        code=code,
        kind=kind,
        city=city,
        country=country,
        region=region,
        time_zone=zone,
        calling_code=calling,
        city_names=tuple(city_names),
        country_names=tuple(names),
        aliases=tuple(aliases),
    )


def _check_phone(check: _Checker, name: str) -> Optional[str]:
    value = check.text(name, required=False, limit=40)
    if value is None:
        return None
    try:
        number = phonenumbers.parse(value, None)
    except phonenumbers.NumberParseException:
        check.fail(name, f"'{value}' is not a phone number in +<country code> form")
        return None
    if not phonenumbers.is_possible_number(number):
        check.fail(name, f"'{value}' has the wrong length for its country code")
        return None
    return value


def _check_advisor(
    raw: _Raw, posts: dict[str, PostRecord], problems: list[Problem]
) -> Optional[AdvisorRecord]:
    check = _Checker(raw, problems)
    check.unknown(ADVISOR_COLUMNS)
    advisor_id = check.text("id", limit=64)
    if advisor_id is not None and not _SLUG.match(advisor_id):
        check.fail("id", f"'{advisor_id}' must be lower-case letters, digits and '-'")
    name = check.text("name")
    gender = check.choice("gender", GENDERS)
    kind = check.choice("kind", ADVISOR_KINDS)
    languages = [language.lower() for language in check.texts("languages", required=True)]
    for language in languages:
        if language not in ISO_639_1:
            check.fail("languages", f"'{language}' is not an ISO 639-1 language code")
    served = [code.upper() for code in check.texts("posts")]
    for code in served:
        if code not in posts:
            check.fail("posts", f"'{code}' is not a post in the directory")
    regions = [region.lower() for region in check.texts("regions")]
    for region in regions:
        if region not in REGIONS:
            check.fail("regions", f"'{region}' is not one of {', '.join(REGIONS)}")
    if kind == "post" and not served:
        check.fail("posts", "an advisor at a post must list the posts they serve")
    if kind == "post" and regions:
        check.fail("regions", "an advisor at a post serves posts, not regions")
    if kind == "regional" and not (regions or served):
        check.fail("regions", "a regional advisor must list regions or posts")
    if kind in SERVES_ALL and (regions or served):
        check.fail(
            "posts" if served else "regions", f"a {kind} advisor serves every post: leave empty"
        )
    home = check.text("home_post", required=False, limit=32)
    home_post: Optional[PostRecord] = None
    if home is not None:
        home = home.upper()
        home_post = posts.get(home)
        if home_post is None:
            check.fail("home_post", f"'{home}' is not a post in the directory")
    elif kind is not None and kind != "external":
        check.fail("home_post", f"a {kind} advisor needs a home post")
    zone = check.text("time_zone", required=False, limit=64)
    if zone is None and home_post is not None:
        zone = home_post.time_zone
    if zone is None and home is None:
        check.fail("time_zone", "give time_zone or home_post")
    elif zone is not None and zone not in time_zones():
        check.fail("time_zone", f"'{zone}' is not an IANA time zone")
    phone = _check_phone(check, "phone")
    whatsapp = _check_phone(check, "whatsapp")
    email = check.text("email", required=False)
    if email is not None and not _EMAIL.match(email):
        check.fail("email", f"'{email}' is not an e-mail address")
        email = None
    if not (raw.values.get("phone") or raw.values.get("whatsapp") or raw.values.get("email")):
        check.fail("phone", "give at least one of phone, whatsapp, email")
    availability = [spec.lower() for spec in check.texts("availability", required=True)]
    for spec in availability:
        try:
            parse_window(spec)
        except ValueError as error:
            check.fail("availability", str(error))
    active = check.flag("active")
    demo = check.flag("demo", default=False)
    if not check.ok:
        return None
    assert advisor_id and name and gender and kind and zone
    return AdvisorRecord(
        id=advisor_id,
        name=name,
        gender=gender,
        kind=kind,
        languages=tuple(dict.fromkeys(languages)),
        posts=tuple(served),
        regions=tuple(regions),
        home_post=home,
        time_zone=zone,
        phone=phone,
        whatsapp=whatsapp,
        email=email,
        availability=tuple(availability),
        active=active,
        demo=demo,
    )


def validate_sources(
    sources: _Sources, current: Optional[Directory]
) -> tuple[LoadedDirectory, list[Problem]]:
    problems: list[Problem] = []
    posts: Optional[list[PostRecord]] = None
    if sources.has_posts:
        posts = []
        first_line: dict[str, tuple[str, int]] = {}
        for raw in sources.posts:
            post = _check_post(raw, sources.countries, problems)
            if post is None:
                continue
            for code in (post.code, *post.aliases):
                if code in first_line:
                    where = first_line[code]
                    problems.append(
                        Problem(
                            raw.source,
                            raw.line_of("code" if code == post.code else "aliases"),
                            "code" if code == post.code else "aliases",
                            f"'{code}' is already used ({where[0]}, line {where[1]})",
                        )
                    )
                else:
                    first_line[code] = (raw.source, raw.line)
            posts.append(post)
        if not sources.posts:
            problems.append(Problem(sources_name(sources), None, "posts", "the list is empty"))
    known_posts = {
        post.code: post
        for post in (posts if posts is not None else (current.posts if current else ()))
    }
    advisors: Optional[list[AdvisorRecord]] = None
    if sources.has_advisors:
        if not known_posts:
            problems.append(
                Problem(
                    sources_name(sources),
                    None,
                    "advisors",
                    "there are no posts yet: import posts with the advisors",
                )
            )
        advisors = []
        seen: dict[str, tuple[str, int]] = {}
        for raw in sources.advisors:
            advisor = _check_advisor(raw, known_posts, problems)
            if advisor is None:
                continue
            if advisor.id in seen:
                where = seen[advisor.id]
                problems.append(
                    Problem(
                        raw.source,
                        raw.line_of("id"),
                        "id",
                        f"'{advisor.id}' is already used ({where[0]}, line {where[1]})",
                    )
                )
                continue
            seen[advisor.id] = (raw.source, raw.line)
            advisors.append(advisor)
    elif posts is not None and current is not None and not problems:
        # Posts alone: the stored advisors must still point at posts that exist.
        for advisor in current.advisors:
            codes = (*advisor.posts, *([advisor.home_post] if advisor.home_post else []))
            missing = [code for code in dict.fromkeys(codes) if code not in known_posts]
            if missing:
                problems.append(
                    Problem(
                        "database",
                        None,
                        "posts",
                        f"advisor '{advisor.id}' serves {', '.join(missing)}, which this "
                        "import removes; import the advisors too",
                    )
                )
    loaded = LoadedDirectory(
        posts=tuple(posts) if posts is not None else None,
        advisors=tuple(advisors) if advisors is not None else None,
    )
    return loaded, problems


def sources_name(sources: _Sources) -> str:
    for raw in (*sources.posts, *sources.advisors):
        return raw.source
    return "(files)"


def _in_file_order(problems: list[Problem]) -> list[Problem]:
    """By file (in the order given), then by line."""
    order = {
        source: index for index, source in enumerate(dict.fromkeys(p.source for p in problems))
    }
    return sorted(problems, key=lambda p: (order[p.source], p.line or 0))


def load_directory_files(
    paths: Sequence[Path], fmt: Optional[str] = None, current: Optional[Directory] = None
) -> LoadedDirectory:
    """Reads and validates; raises DirectoryInvalid listing every problem. `current` is
    the stored directory, which sections missing from the files are checked against."""
    sources, problems = read_sources(paths, fmt)
    if not problems and not (sources.has_posts or sources.has_advisors):
        problems.append(
            Problem(
                ", ".join(p.name for p in paths),
                None,
                None,
                "no posts and no advisors in these files",
            )
        )
    loaded, more = validate_sources(sources, current)
    problems.extend(more)
    if problems:
        raise DirectoryInvalid(_in_file_order(problems))
    return loaded


def import_directory(
    database: Database, paths: Sequence[Path], fmt: Optional[str] = None
) -> LoadedDirectory:
    """Validates the files and replaces the stored directory in one transaction; on any
    problem nothing changes and DirectoryInvalid lists them all."""
    sources, problems = read_sources(paths, fmt)
    with database.session() as session:
        current = read_directory(session)
        if not problems and not (sources.has_posts or sources.has_advisors):
            problems.append(
                Problem(
                    ", ".join(p.name for p in paths),
                    None,
                    None,
                    "no posts and no advisors in these files",
                )
            )
        loaded, more = validate_sources(sources, current)
        problems.extend(more)
        if problems:
            raise DirectoryInvalid(_in_file_order(problems))
        replace_directory(session, loaded.posts, loaded.advisors)
    return loaded


# --- writing ----------------------------------------------------------------------------


class _Dumper(yaml.SafeDumper):
    pass


def _flow_list(dumper: yaml.SafeDumper, value: list) -> yaml.Node:
    return dumper.represent_sequence("tag:yaml.org,2002:seq", value, flow_style=True)


_Dumper.add_representer(list, _flow_list)


def _post_yaml(post: PostRecord) -> dict[str, Any]:
    data: dict[str, Any] = {
        "code": post.code,
        "kind": post.kind,
        "city": post.city,
        "country": post.country,
        "region": post.region,
        "time_zone": post.time_zone,
        "calling_code": post.calling_code,
        "city_names": list(post.city_names),
    }
    if post.aliases:
        data["aliases"] = list(post.aliases)
    return data


def _advisor_yaml(advisor: AdvisorRecord, with_demo: bool) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": advisor.id,
        "name": advisor.name,
        "gender": advisor.gender,
        "kind": advisor.kind,
        "languages": list(advisor.languages),
    }
    if advisor.posts:
        data["posts"] = list(advisor.posts)
    if advisor.regions:
        data["regions"] = list(advisor.regions)
    if advisor.home_post:
        data["home_post"] = advisor.home_post
    data["time_zone"] = advisor.time_zone
    for channel in ("phone", "whatsapp", "email"):
        if getattr(advisor, channel):
            data[channel] = getattr(advisor, channel)
    data["availability"] = list(advisor.availability)
    data["active"] = advisor.active
    if with_demo:
        data["demo"] = advisor.demo
    return data


def posts_yaml(posts: Sequence[PostRecord]) -> dict[str, Any]:
    countries: dict[str, list[str]] = {}
    for post in posts:
        names = countries.setdefault(post.country, [])
        names.extend(name for name in post.country_names if name not in names)
    return {"countries": countries, "posts": [_post_yaml(post) for post in posts]}


def advisors_yaml(advisors: Sequence[AdvisorRecord]) -> dict[str, Any]:
    flags = {advisor.demo for advisor in advisors}
    shared = len(flags) == 1
    data: dict[str, Any] = {"demo": flags.pop()} if shared else {}
    data["advisors"] = [_advisor_yaml(advisor, not shared) for advisor in advisors]
    return data


def dump_yaml(data: dict[str, Any]) -> str:
    return yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=100)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return "; ".join(str(item) for item in value)
    return str(value)


def posts_csv(posts: Sequence[PostRecord]) -> str:
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(POST_COLUMNS)
    for post in posts:
        writer.writerow([_cell(getattr(post, column)) for column in POST_COLUMNS])
    return out.getvalue()


def advisors_csv(advisors: Sequence[AdvisorRecord]) -> str:
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(ADVISOR_COLUMNS)
    for advisor in advisors:
        writer.writerow([_cell(getattr(advisor, column)) for column in ADVISOR_COLUMNS])
    return out.getvalue()


def export_directory(directory: Directory, target: Path, fmt: str = "yaml") -> list[Path]:
    """Writes the directory: a .yml/.yaml target gets one YAML file with everything;
    any other target is a folder that gets posts.<ext> and advisors.<ext>."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format '{fmt}' (use yaml or csv)")
    if fmt == "yaml" and target.suffix.lower() in (".yml", ".yaml"):
        data = {**advisors_yaml(directory.advisors), **posts_yaml(directory.posts)}
        ordered = {key: data[key] for key in TOP_LEVEL_KEYS if key in data}
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(dump_yaml(ordered), encoding="utf-8")
        return [target]
    if target.suffix.lower() in (".csv", ".yml", ".yaml"):
        raise ValueError(
            f"{target}: {fmt.upper()} export writes two files (posts, advisors): give a folder"
        )
    target.mkdir(parents=True, exist_ok=True)
    if fmt == "yaml":
        files = {
            target / "posts.yml": dump_yaml(posts_yaml(directory.posts)),
            target / "advisors.yml": dump_yaml(advisors_yaml(directory.advisors)),
        }
    else:
        files = {
            target / "posts.csv": posts_csv(directory.posts),
            target / "advisors.csv": advisors_csv(directory.advisors),
        }
    for path, text in files.items():
        path.write_text(text, encoding="utf-8")
    return list(files)
