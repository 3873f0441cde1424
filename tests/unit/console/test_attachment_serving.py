"""How the console words and serves an attachment whatever its row says: text is only ever
plain text, a type that fits no accepted kind is bytes, sizes read in the page's language."""

from __future__ import annotations

from datetime import datetime, timezone

from bot.console.attachments import file_response, metadata_words, served_type, size_words
from bot.console.texts import Texts
from bot.evidence.store import Evidence


def evidence(kind: str, mime_type: str, **changes: object) -> Evidence:
    values: dict = dict(
        id="ab" * 16, kind=kind, mime_type=mime_type, size=10, received_size=10,
        received_sha256="0" * 64, stored_sha256="0" * 64, scrubbed=True, removed=(),
        received_at=datetime(2026, 12, 6, tzinfo=timezone.utc),
    )  # fmt: skip
    values.update(changes)
    return Evidence(**values)


def test_text_is_plain_text_and_nothing_is_served_as_a_page_or_a_script():
    assert served_type(evidence("text", "text/plain; charset=utf-8")) == "text/plain; charset=utf-8"
    assert served_type(evidence("text", "text/html")) == "text/plain; charset=utf-8"
    assert served_type(evidence("text", "text/plain; charset=utf-16")) == (
        "text/plain; charset=utf-16"
    )
    for kind, mime_type in (
        ("image", "image/svg+xml"),
        ("image", "text/html"),
        ("document", "application/xhtml+xml"),
        ("document", "application/javascript"),
        ("pdf", "application/octet-stream"),
        ("archive", "application/zip"),
    ):
        assert served_type(evidence(kind, mime_type)) == "application/octet-stream", mime_type
    assert served_type(evidence("audio", "audio/ogg")) == "audio/ogg"


def test_only_images_audio_and_pdf_are_shown_in_the_browser():
    shown = file_response(evidence("audio", "audio/ogg"), b"OggS")
    assert shown.headers["content-disposition"] == f'inline; filename="evidence-{"ab" * 6}.ogg"'
    text = file_response(evidence("text", "text/plain; charset=utf-8"), b"<b>hi</b>")
    assert text.headers["content-disposition"].startswith("attachment;")
    assert text.headers["content-type"] == "text/plain; charset=utf-8"
    assert "default-src 'none'" in text.headers["content-security-policy"]


def test_sizes_and_what_was_removed_are_worded_per_language():
    english, dutch = Texts("en"), Texts("nl")
    assert size_words(english, 900) == "900 bytes"
    assert size_words(english, 1536) == "1.5 KB" and size_words(dutch, 1536) == "1,5 kB"
    assert size_words(english, 3 * 1024 * 1024) == "3 MB"
    removed = evidence("image", "image/jpeg", removed=("location", "camera", "new-kind"))
    assert metadata_words(english, removed) == (
        "Identifying details removed: location, camera, other embedded details."
    )
    kept = evidence("audio", "audio/ogg", scrubbed=False)
    assert metadata_words(dutch, kept).startswith("Bewaard zoals ontvangen")
