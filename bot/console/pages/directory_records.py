"""The coordinators' forms for one advisor or one post of the directory, field by field:
an advisor's languages, the posts or regions they serve, home post, time zone, contact
details, availability hours, active and demo; a post's kind, city, country, region, time
zone, calling code, names and aliases. A change is checked as `directory import` checks a
file (bot.directory.editing: the whole directory with the change, all or nothing); a
refused change lists every problem by field and the form keeps what was typed. The key (an
advisor's id, a post's code) does not change here. Coordinators only (403 otherwise);
every change is audited (the action, never the values). The advisor's page also lists the
console accounts linked to the advisor (bot.console.pages.directory_accounts)."""

from __future__ import annotations

import re
from typing import Any, Awaitable, Callable, Optional

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from bot import runtime
from bot.console.accounts import Account, linked_to
from bot.console.audit import audit
from bot.console.pages.cases import coordinator_form, coordinator_only
from bot.console.sessions import ActiveSession
from bot.console.texts import Texts
from bot.console.web import not_found, render, texts_for
from bot.directory.editing import RecordProblem, Section, replace_record
from bot.directory.records import (
    ADVISOR_KINDS,
    GENDERS,
    POST_KINDS,
    REGIONS,
    AdvisorRecord,
    Directory,
    PostRecord,
)
from bot.directory.tables import read_directory

# How the forms write each field: one line of text; codes separated by commas (or spaces,
# or ';'); one item a line; ticked or not. The import reads lists as lists.
ADVISOR_TEXT = ("name", "gender", "kind", "home_post", "time_zone", "phone", "whatsapp", "email")
ADVISOR_CODES = ("languages", "posts")
ADVISOR_LINES = ("availability",)
ADVISOR_FLAGS = ("active", "demo")
POST_TEXT = ("kind", "city", "country", "region", "time_zone", "calling_code")
POST_CODES = ("aliases",)
POST_LINES = ("city_names", "country_names")
LABELLED = frozenset(
    (*ADVISOR_TEXT, *ADVISOR_CODES, *ADVISOR_LINES, *ADVISOR_FLAGS, "regions", *POST_TEXT,
     *POST_CODES, *POST_LINES, "id", "code")
)  # fmt: skip
FORM_FIELDS = 30  # the advisor's form: csrf, 13 fields and a box per region
_CODES = re.compile(r"[\s,;]+")
_LINES = re.compile(r"\s*\n\s*")


def _split(text: str, separators: re.Pattern[str]) -> list[str]:
    return [part for part in separators.split(text.strip()) if part]


# --- the form's values: shown (as typed) and as the import reads them --------------------


def advisor_shown(record: AdvisorRecord) -> dict[str, Any]:
    shown: dict[str, Any] = {name: getattr(record, name) or "" for name in ADVISOR_TEXT}
    shown.update({name: ", ".join(getattr(record, name)) for name in ADVISOR_CODES})
    shown.update({name: "\n".join(getattr(record, name)) for name in ADVISOR_LINES})
    shown.update({name: bool(getattr(record, name)) for name in ADVISOR_FLAGS})
    shown["regions"] = list(record.regions)
    return shown


def post_shown(record: PostRecord) -> dict[str, Any]:
    shown: dict[str, Any] = {name: getattr(record, name) or "" for name in POST_TEXT}
    shown.update({name: ", ".join(getattr(record, name)) for name in POST_CODES})
    shown.update({name: "\n".join(getattr(record, name)) for name in POST_LINES})
    return shown


def _posted(form: FormData, text: tuple[str, ...], lines: tuple[str, ...]) -> dict[str, Any]:
    shown: dict[str, Any] = {name: str(form.get(name) or "").strip() for name in text}
    for name in lines:
        shown[name] = str(form.get(name) or "").replace("\r\n", "\n").strip()
    return shown


def advisor_posted(form: FormData) -> dict[str, Any]:
    shown = _posted(form, ADVISOR_TEXT + ADVISOR_CODES, ADVISOR_LINES)
    shown.update({name: form.get(name) == "1" for name in ADVISOR_FLAGS})
    shown["regions"] = [str(region) for region in form.getlist("regions")]
    return shown


def post_posted(form: FormData) -> dict[str, Any]:
    return _posted(form, POST_TEXT + POST_CODES, POST_LINES)


def import_values(shown: dict[str, Any], section: Section) -> dict[str, Any]:
    """The form's values as the import reads a record (empty text: not given)."""
    advisors = section == "advisors"
    text, codes = (ADVISOR_TEXT, ADVISOR_CODES) if advisors else (POST_TEXT, POST_CODES)
    lines = ADVISOR_LINES if advisors else POST_LINES
    values: dict[str, Any] = {name: shown[name] for name in text if shown[name]}
    values.update({name: _split(shown[name], _CODES) for name in codes})
    values.update({name: _split(shown[name], _LINES) for name in lines})
    if advisors:
        values.update({name: shown[name] for name in (*ADVISOR_FLAGS, "regions")})
    return values


# --- problems, by field -------------------------------------------------------------------


def label(t: Texts, field: Optional[str]) -> str:
    return t(f"directory_field_{field}") if field in LABELLED else (field or "–")


def by_field(problems: list[RecordProblem]) -> dict[str, list[str]]:
    """The changed record's problems, under the field they are about (shown at it)."""
    fields: dict[str, list[str]] = {}
    for problem in problems:
        if problem.record is None:
            fields.setdefault(problem.field or "", []).append(problem.message)
    return fields


def listed(t: Texts, problems: list[RecordProblem]) -> list[str]:
    """Every problem as one line: the field's name, and the other record's when it is not
    the one changed."""
    lines = []
    for p in problems:
        if p.record is None:
            lines.append(t("directory_problem", field=label(t, p.field), message=p.message))
        else:
            lines.append(t("directory_problem_other", record=p.record, field=label(t, p.field),
                           message=p.message))  # fmt: skip
    return lines


# --- pages --------------------------------------------------------------------------------


async def _directory() -> Directory:
    await runtime.directory_service().current()  # seeds an empty database, as the dialogue does
    return await runtime.database().run(read_directory)


def _choices(t: Texts, prefix: str, values: tuple[str, ...]) -> list[tuple[str, str]]:
    return [(value, t(prefix + value)) for value in values]


def _done(request: Request) -> Optional[str]:
    done = request.query_params.get("done")
    return done if done in ("linked", "unlinked") else None  # an account (un)linked


async def advisor_form(
    request: Request,
    active: ActiveSession,
    advisor_id: str,
    shown: Optional[dict[str, Any]] = None,
    problems: Optional[list[RecordProblem]] = None,
    status: int = 200,
    **extra: Any,
) -> Response:
    directory = await _directory()
    record = directory.advisor(advisor_id)
    if record is None:
        return not_found(request, active.account)
    accounts: list[Account] = await runtime.database().run(lambda s: linked_to(s, advisor_id))
    t = texts_for(request)
    return render(request, "directory_advisor.html", status, t=t, account=active.account,
                  csrf=active.csrf_token, record=record, shown=shown or advisor_shown(record),
                  problems=listed(t, problems or []), at=by_field(problems or []),
                  genders=_choices(t, "directory_gender_", GENDERS),
                  kinds=_choices(t, "directory_kind_", ADVISOR_KINDS),
                  regions=_choices(t, "region_", REGIONS), accounts=accounts,
                  saved=request.query_params.get("saved"),
                  done=_done(request), **extra)  # fmt: skip


async def _post_form(
    request: Request,
    active: ActiveSession,
    code: str,
    shown: Optional[dict[str, Any]] = None,
    problems: Optional[list[RecordProblem]] = None,
    status: int = 200,
) -> Response:
    directory = await _directory()
    record = directory.post(code)
    if record is None or record.code != code:
        return not_found(request, active.account)
    t = texts_for(request)
    return render(request, "directory_post.html", status, t=t, account=active.account,
                  csrf=active.csrf_token, record=record, shown=shown or post_shown(record),
                  problems=listed(t, problems or []), at=by_field(problems or []),
                  kinds=_choices(t, "directory_post_kind_", POST_KINDS),
                  regions=_choices(t, "region_", REGIONS),
                  served_by=[a for a in directory.advisors if code in a.posts],
                  saved=request.query_params.get("saved"))  # fmt: skip


async def advisor_page(request: Request) -> Response:
    active = await coordinator_only(request)
    if isinstance(active, Response):
        return active
    return await advisor_form(request, active, str(request.path_params["advisor_id"]))


async def post_page(request: Request) -> Response:
    active = await coordinator_only(request)
    if isinstance(active, Response):
        return active
    return await _post_form(request, active, str(request.path_params["code"]))


async def _save(
    active: ActiveSession, section: Section, key: str, values: dict[str, Any]
) -> Optional[list[RecordProblem]]:
    """The change, with its audit, in one transaction; the assistant reads it within a
    minute (bot.directory.service)."""
    action = "directory_advisor_edited" if section == "advisors" else "directory_post_edited"

    def save(session: Any) -> Optional[list[RecordProblem]]:
        problems = replace_record(session, section, key, values)
        if problems == []:
            audit(session, active.account.id, action)
        return problems

    problems = await runtime.database().run(save)
    if problems == []:
        runtime.directory_service().invalidate()
    return problems


async def _record_post(
    request: Request,
    table: Section,
    key: str,
    read: Callable[[Any], Any],
    again: Callable[..., Awaitable[Response]],
    url: str,
) -> Response:
    """One advisor's or post's form posted: saved with the import's checks, or shown again
    with its problems (the words kept)."""
    posted = await coordinator_form(request, max_fields=FORM_FIELDS)
    if isinstance(posted, Response):
        return posted
    active, form = posted
    await _directory()
    shown = read(form)
    problems = await _save(active, table, key, import_values(shown, table))
    if problems is None:
        return not_found(request, active.account)
    if problems:
        return await again(request, active, key, shown, problems, 400)
    return RedirectResponse(f"{url}?saved=1", status_code=303)


async def advisor_post(request: Request) -> Response:
    advisor_id = str(request.path_params["advisor_id"])
    return await _record_post(
        request, "advisors", advisor_id, advisor_posted, advisor_form,
        f"/directory/advisors/{advisor_id}",
    )  # fmt: skip


async def post_post(request: Request) -> Response:
    code = str(request.path_params["code"])
    return await _record_post(
        request, "posts", code, post_posted, _post_form, f"/directory/posts/{code}"
    )
