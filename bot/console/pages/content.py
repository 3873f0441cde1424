"""The coordinators' content editor: every response by name and language with its state
(as seeded, edited, to review), the seed and the current text with their history, a
preview on every channel, publishing (checked first: bot.console.editing), reverting to
an earlier version and confirming a text as reviewed. Publishing and confirming can say
"I am a native speaker of this language": the text is then marked native-reviewed (who,
when), until a change of this language's text without it (bot.content.edits); the list
counts, per language, the texts native-reviewed and the translations awaiting it.
Coordinators only (403 otherwise).
A stale edit (someone published since the page was opened) is refused and the draft kept."""

from __future__ import annotations

import asyncio
import difflib
from typing import Any, Optional

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from bot import runtime
from bot.console.accounts import list_accounts
from bot.console.audit import audit
from bot.console.editing import PREVIEW_CHANNELS, draft_from_form, problems
from bot.console.pages.cases import coordinator_form, coordinator_only
from bot.console.sessions import ActiveSession
from bot.console.texts import direction
from bot.console.web import not_found, render, texts_for
from bot.content import edits
from bot.content.edits import EditConflict
from bot.content.store import AWAITING, REFERENCE, REVIEWED
from bot.content.store import Response as Answer
from bot.language.catalogue import SUPPORTED_LANGUAGES
from channels.splitting import sms_segments

MAX_BUTTONS = 8
FORM_FIELDS = 6 + 2 * MAX_BUTTONS  # csrf, base, text, sms, native, action; 2 per button
# Sample values for the preview: what the dialogue would fill in.
SAMPLES = {"reference": "VM-3F9A-C21B-77D0", "phone": "+212 6 12 34 56 78", "when": "…",
           "post": "Rabat (Maroc)", "target": "Nadia Benali", "back_word": "ASSISTANT"}  # fmt: skip


def changes(before: str, after: str) -> list[str]:
    """The lines removed (-) and added (+) from one text to the next."""
    lines = difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0)
    return [line for line in lines if line[:1] in "+-" and line[:3] not in ("+++", "---")]


def _known(language: str, name: str) -> bool:
    """A response the seed has (every response exists in English) in a language we speak."""
    seed = runtime.content_store().seed().responses
    return language in SUPPORTED_LANGUAGES and name in seed.get("en", {})


NATIVE_FILTERS = (REVIEWED, AWAITING, REFERENCE)


def seed_review(language: str, name: str) -> str:
    """What the seed file says of the text: reference, awaiting or reviewed (bot.content.store)."""
    reviews = runtime.content_store().seed().reviews
    return reviews.get(language, {}).get(name, AWAITING)


def review_of(language: str, name: str, natives: dict[tuple[str, str], edits.NativeMark]) -> str:
    """A text's review as the desk shows it: reviewed by a native speaker here (or in the
    seed), the project's reference text, or a translation awaiting a native speaker."""
    if (language, name) in natives:
        return REVIEWED
    return seed_review(language, name)


def _counts(names: list[str], states: dict[tuple[str, str], Any],
            natives: dict[tuple[str, str], edits.NativeMark]) -> list[dict[str, Any]]:  # fmt: skip
    """Per language: how many texts a native speaker reviewed, how many await it, how many
    are the reference, and how many are to review (another language changed)."""
    counts = []
    for language in SUPPORTED_LANGUAGES:
        reviews = [review_of(language, name, natives) for name in names]
        to_review = sum(states.get((language, n), ("",))[0] == edits.TO_REVIEW for n in names)
        counts.append({"language": language, "native": reviews.count(REVIEWED),
                       "awaiting": reviews.count(AWAITING), "reference": reviews.count(REFERENCE),
                       "to_review": to_review})  # fmt: skip
    return counts


async def content_list(request: Request) -> Response:
    active = await coordinator_only(request)
    if isinstance(active, Response):
        return active
    language = request.query_params.get("language", "es")
    language = language if language in SUPPORTED_LANGUAGES else "en"
    only_to_review = request.query_params.get("review") == "1"
    native_filter = request.query_params.get("native", "")
    native_filter = native_filter if native_filter in NATIVE_FILTERS else ""
    store = runtime.content_store()
    seed, current = store.seed().responses, store.content().responses

    def read(session: Any) -> tuple[Any, dict[tuple[str, str], edits.NativeMark]]:
        return edits.review_states(session), edits.native_reviews(session)

    states, natives = await runtime.database().run(read)
    names = sorted(seed.get("en", {}))
    rows = []
    for name in names:
        state = states.get((language, name), ("seed", None))[0]
        edited = current.get(language, {}).get(name) != seed.get(language, {}).get(name)
        native = natives.get((language, name))
        if only_to_review and state != edits.TO_REVIEW:
            continue
        review = review_of(language, name, natives)
        if native_filter and review != native_filter:
            continue
        text = (current.get(language, {}).get(name) or Answer(text="")).text
        rows.append({"name": name, "state": state, "edited": edited, "text": text[:90],
                     "native": native, "review": review})  # fmt: skip
    return render(request, "content_list.html", account=active.account, csrf=active.csrf_token,
                  rows=rows, language=language, languages=SUPPORTED_LANGUAGES,
                  only_to_review=only_to_review, native_filter=native_filter,
                  counts=_counts(names, states, natives))  # fmt: skip


def _previews(draft: Answer, language: str) -> list[dict[str, Any]]:
    renderer = runtime.renderer()
    shown = []
    for channel in PREVIEW_CHANNELS:
        message = renderer.render_response(draft, language, channel, SAMPLES)
        segments = sms_segments(message["text"]) if channel == "sms" else None
        buttons = [b["title"] for b in message.get("buttons") or []] if channel in (
            "telegram", "webchat") else []  # fmt: skip
        shown.append({"channel": channel, "text": message["text"], "segments": segments,
                      "buttons": buttons})  # fmt: skip
    return shown


async def _editor(
    request: Request,
    active: ActiveSession,
    language: str,
    name: str,
    draft: Optional[Answer] = None,
    base: Optional[int] = None,
    status: int = 200,
    **extra: Any,
) -> Response:
    store = runtime.content_store()
    seed = store.seed().responses.get(language, {}).get(name)
    current = store.response(name, language)

    def read(session: Any) -> tuple[Any, Any, Any, dict[str, str], Any]:
        history = edits.history(session, name, language)
        state = edits.review_states(session).get((language, name))
        emails = {a.id: a.email for a in list_accounts(session)}
        native = edits.native_review(session, name, language)
        return history, state, edits.current_version(session, name, language), emails, native

    history, state, version, emails, native = await runtime.database().run(read)
    # Each version against the one before it (the oldest against the seed).
    earlier = [v.response.text for v in history[1:]] + [seed.text if seed else ""]
    pairs = zip(history, earlier, strict=False)  # no history: no pairs
    diffs = {v.id: changes(before, v.response.text) for v, before in pairs}
    draft = draft or current or seed or Answer(text="")
    spare = min(MAX_BUTTONS, len(draft.buttons) + 2) - len(draft.buttons)
    rows = list(draft.buttons) + [None] * max(0, spare)
    return render(
        request, "content_edit.html", status, account=active.account, csrf=active.csrf_token,
        name=name, language=language, text_direction=direction(language), seed=seed,
        current=current, draft=draft, rows=rows, history=history, emails=emails, diffs=diffs,
        state=state[0] if state else "seed", base=version if base is None else base,
        previews=_previews(draft, language), native=native,
        review=seed_review(language, name), **extra,
    )  # fmt: skip


async def content_page(request: Request) -> Response:
    active = await coordinator_only(request)
    if isinstance(active, Response):
        return active
    language, name = str(request.path_params["language"]), str(request.path_params["name"])
    if not _known(language, name):
        return not_found(request, active.account)
    return await _editor(
        request, active, language, name, published=request.query_params.get("done")
    )


def _audit_native(session: Any, active: ActiveSession, native: bool, had: bool) -> None:
    """A native review given, or one cleared by a text changed without it."""
    if native:
        audit(session, active.account.id, "content_native_reviewed")
    elif had:
        audit(session, active.account.id, "content_native_cleared")


def _draft(form: Any) -> Answer:
    buttons = [(str(form.get(f"title{i}") or ""), str(form.get(f"payload{i}") or ""))
               for i in range(MAX_BUTTONS)]  # fmt: skip
    return draft_from_form(str(form.get("text") or ""), str(form.get("sms") or ""), buttons)


def _base(value: object) -> Optional[int]:
    return int(value) if isinstance(value, str) and value.isdigit() else None


async def content_post(request: Request) -> Response:
    """Preview or publish a draft (the form's two buttons)."""
    posted = await coordinator_form(request, max_fields=FORM_FIELDS)
    if isinstance(posted, Response):
        return posted
    active, form = posted
    language, name = str(request.path_params["language"]), str(request.path_params["name"])
    if not _known(language, name):
        return not_found(request, active.account)
    draft, base = _draft(form), _base(form.get("base"))
    native = form.get("native") == "1"
    if form.get("action") != "publish":
        return await _editor(request, active, language, name, draft, base, native_ticked=native)
    seed = runtime.content_store().seed().responses.get(language, {}).get(name)
    found = problems(draft, seed)
    t = texts_for(request)
    if found:
        listed = [t(p.key, detail=p.detail) for p in found]
        return await _editor(request, active, language, name, draft, base, 400, problems=listed,
                             native_ticked=native)  # fmt: skip

    def publish(session: Any) -> int:
        had_native = edits.native_review(session, name, language) is not None
        version = edits.publish(session, name, language, draft, active.account.id, base,
                                SUPPORTED_LANGUAGES, native=native)  # fmt: skip
        audit(session, active.account.id, "content_published")
        _audit_native(session, active, native, had_native)
        return version

    try:
        await runtime.database().run(publish)
        await asyncio.to_thread(runtime.content_store().refresh)
    except EditConflict:
        return await _editor(request, active, language, name, draft, base, 409,
                             problems=[t("edit_conflict")], native_ticked=native)  # fmt: skip
    return RedirectResponse(f"/content/{language}/{name}?done=1", status_code=303)


async def revert(request: Request) -> Response:
    posted = await coordinator_form(request)
    if isinstance(posted, Response):
        return posted
    active, form = posted
    language, name = str(request.path_params["language"]), str(request.path_params["name"])
    wanted = str(request.path_params["version"])
    target = _base(wanted)
    if not _known(language, name) or (target is None and wanted != "seed"):
        return not_found(request, active.account)
    seed = runtime.content_store().seed().responses.get(language, {}).get(name)

    def back(session: Any) -> bool:
        old = edits.get_version(session, target) if target is not None else None
        response = old.response if old is not None else seed
        if response is None or (target is not None and old is None):
            return False
        had_native = edits.native_review(session, name, language) is not None
        edits.publish(session, name, language, response, active.account.id,
                      _base(form.get("base")), SUPPORTED_LANGUAGES, reverted_to=target)  # fmt: skip
        audit(session, active.account.id, "content_reverted")
        _audit_native(session, active, False, had_native)
        return True

    try:
        if not await runtime.database().run(back):
            return not_found(request, active.account)
        await asyncio.to_thread(runtime.content_store().refresh)
    except EditConflict:
        t = texts_for(request)
        return await _editor(request, active, language, name, status=409,
                             problems=[t("edit_conflict")])  # fmt: skip
    return RedirectResponse(f"/content/{language}/{name}?done=1", status_code=303)


async def confirm(request: Request) -> Response:
    posted = await coordinator_form(request)
    if isinstance(posted, Response):
        return posted
    active, form = posted
    language, name = str(request.path_params["language"]), str(request.path_params["name"])
    if not _known(language, name):
        return not_found(request, active.account)

    native = form.get("native") == "1"

    def mark(session: Any) -> None:
        edits.confirm(session, name, language, active.account.id, native=native)
        audit(session, active.account.id, "content_confirmed")
        _audit_native(session, active, native, False)

    await runtime.database().run(mark)
    return RedirectResponse(f"/content/{language}/{name}", status_code=303)
