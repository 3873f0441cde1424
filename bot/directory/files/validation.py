"""Validating what was read: every problem with file, line and field."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Optional

import phonenumbers

from bot.directory.files.formats import (
    ADVISOR_COLUMNS,
    CODE_PATTERN,
    EMAIL_PATTERN,
    FALSE_WORDS,
    POST_COLUMNS,
    POST_YAML_FIELDS,
    SLUG_PATTERN,
    TRUE_WORDS,
    LoadedDirectory,
    Problem,
    RawRecord,
    Sources,
)
from bot.directory.records import (
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
    time_zones,
)

# --- validation -------------------------------------------------------------------------


def valid_country(code: str) -> bool:
    return len(code) == 2 and code in phonenumbers.SUPPORTED_REGIONS


def as_list(value: Any) -> Optional[list[Any]]:
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

    def __init__(self, raw: RawRecord, problems: list[Problem]) -> None:
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
        value = as_list(self.raw.values.get(name))
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
        if isinstance(value, str) and value.strip().lower() in TRUE_WORDS | FALSE_WORDS:
            return value.strip().lower() in TRUE_WORDS
        self.fail(name, "must be true or false" if value is not None else "is required")
        return False

    def unknown(self, allowed: Sequence[str]) -> None:
        for name in self.raw.values:
            if name not in allowed:
                self.fail(str(name), "unknown field")

    @property
    def _csv(self) -> bool:
        return self.raw.tabular or self.raw.source.lower().endswith(".csv")


def _check_post(
    raw: RawRecord, countries: dict[str, tuple[list[str], str, int]], problems: list[Problem]
) -> Optional[PostRecord]:
    check = _Checker(raw, problems)
    in_yaml = not check._csv
    check.unknown(POST_YAML_FIELDS if in_yaml else POST_COLUMNS)
    code = check.text("code", limit=32)
    if code is not None:
        code = code.upper()
        if not CODE_PATTERN.match(code):
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
            if not valid_country(country):
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
        if not CODE_PATTERN.match(alias):
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
    raw: RawRecord, posts: dict[str, PostRecord], problems: list[Problem]
) -> Optional[AdvisorRecord]:
    check = _Checker(raw, problems)
    check.unknown(ADVISOR_COLUMNS)
    advisor_id = check.text("id", limit=64)
    if advisor_id is not None and not SLUG_PATTERN.match(advisor_id):
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
    if email is not None and not EMAIL_PATTERN.match(email):
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
    sources: Sources, current: Optional[Directory]
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


def sources_name(sources: Sources) -> str:
    for raw in (*sources.posts, *sources.advisors):
        return raw.source
    return "(files)"


def in_file_order(problems: list[Problem]) -> list[Problem]:
    """By file (in the order given), then by line."""
    order = {
        source: index for index, source in enumerate(dict.fromkeys(p.source for p in problems))
    }
    return sorted(problems, key=lambda p: (order[p.source], p.line or 0))
