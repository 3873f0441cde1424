"""Writing the directory as YAML or CSV files."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from bot.directory.files.formats import ADVISOR_COLUMNS, FORMATS, POST_COLUMNS, TOP_LEVEL_KEYS
from bot.directory.records import (
    AdvisorRecord,
    Directory,
    PostRecord,
)

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
