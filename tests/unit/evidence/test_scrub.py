"""Before a file is stored, what gives its sender away is taken out, and the user can be
told what: a photo loses its location and camera, a document its author. A decompression
bomb is refused from its header, before anything is decoded."""

from __future__ import annotations

import io
import zipfile

import pypdf
import pytest
from PIL import ExifTags, Image

from bot.evidence import images
from bot.evidence.kinds import FileKind, Kind, identify
from bot.evidence.refusals import Refusal, RefusedFile
from bot.evidence.scrub import Scrubbed, scrub
from tests.support import evidence as files


def _scrubbed(data: bytes, keep_original: bool = False) -> Scrubbed:
    return scrub(data, identify(data), keep_original=keep_original)


def _opened(data: bytes) -> Image.Image:
    return Image.open(io.BytesIO(data))


def test_a_photo_loses_its_location_camera_and_owner_but_not_its_picture():
    original = files.jpeg(files.gps_and_camera_exif(), size=(64, 48))
    assert _opened(original).getexif().get_ifd(ExifTags.IFD.GPSInfo)

    result = _scrubbed(original)

    assert result.scrubbed
    assert set(result.removed) >= {"location", "camera", "author"}
    cleaned = _opened(result.data)
    exif = cleaned.getexif()
    assert not exif.get_ifd(ExifTags.IFD.GPSInfo)
    assert ExifTags.Base.Make not in exif and ExifTags.Base.Model not in exif
    assert ExifTags.Base.Artist not in exif
    for secret in (files.CAMERA_MAKE, files.CAMERA_MODEL, files.CAMERA_SERIAL, files.AUTHOR):
        assert secret.encode() not in result.data
    assert cleaned.size == (64, 48)
    assert cleaned.getpixel((5, 5))[0] > 200 and cleaned.getpixel((60, 40))[2] > 200


def test_a_photo_is_turned_upright_before_its_orientation_tag_goes():
    # Orientation 6: the camera was held on its side; shown turned 90 degrees clockwise.
    sideways = files.jpeg(files.gps_and_camera_exif(orientation=6), size=(64, 48))
    cleaned = _opened(_scrubbed(sideways).data)
    assert cleaned.size == (48, 64)
    assert ExifTags.Base.Orientation not in cleaned.getexif()
    # The red quarter (top left when stored) is top right once turned clockwise.
    assert cleaned.getpixel((40, 5))[0] > 200 and cleaned.getpixel((5, 5))[2] > 200


def test_a_png_loses_its_text_chunks():
    result = _scrubbed(files.png_with_text())
    assert set(result.removed) == {"author", "comment"}
    assert files.AUTHOR.encode() not in result.data
    assert not getattr(_opened(result.data), "text", {})


def test_a_jpeg_comment_and_xmp_go():
    out = io.BytesIO()
    files.picture().save(
        out, "JPEG", comment=b"Jan was here", xmp=b"<x:xmpmeta>GPSLatitude</x:xmpmeta>"
    )
    result = _scrubbed(out.getvalue())
    assert set(result.removed) == {"comment", "location", "other"}
    assert b"Jan was here" not in result.data and b"xmpmeta" not in result.data


def test_an_animation_keeps_its_frames_and_timing():
    frames = [files.picture().rotate(90 * turn) for turn in range(3)]
    out = io.BytesIO()
    frames[0].save(
        out, "GIF", save_all=True, append_images=frames[1:], duration=[100, 200, 300], comment=b"x"
    )
    cleaned = _opened(_scrubbed(out.getvalue()).data)
    durations = []
    for index in range(cleaned.n_frames):
        cleaned.seek(index)
        durations.append(cleaned.info["duration"])
    assert durations == [100, 200, 300]


def test_a_tiny_png_claiming_billions_of_pixels_is_refused_before_decoding():
    bomb = files.png_claiming(50_000, 50_000)
    assert len(bomb) < 200
    with pytest.raises(RefusedFile) as refused:
        _scrubbed(bomb)
    assert refused.value.reason is Refusal.BOMB


def test_the_pixel_limit_is_ours_not_only_pillows():
    # 64 megapixels: under Pillow's own warning (89 MP), over ours (40 MP).
    with pytest.raises(RefusedFile) as refused:
        _scrubbed(files.png_claiming(8_000, 8_000))
    assert refused.value.reason is Refusal.BOMB
    assert 8_000 * 8_000 > images.MAX_PIXELS


def test_a_bomb_is_refused_even_when_the_original_is_kept():
    with pytest.raises(RefusedFile) as refused:
        _scrubbed(files.png_claiming(50_000, 50_000), keep_original=True)
    assert refused.value.reason is Refusal.BOMB


def test_a_truncated_photo_is_damaged():
    photo = files.jpeg(size=(400, 300))
    with pytest.raises(RefusedFile) as refused:
        _scrubbed(photo[: len(photo) // 2])
    assert refused.value.reason is Refusal.DAMAGED


def test_a_document_loses_its_author_company_and_manager_and_nothing_else():
    original = files.docx()
    result = _scrubbed(original)
    assert result.scrubbed and result.removed == ("author", "organisation")
    with (
        zipfile.ZipFile(io.BytesIO(original)) as before,
        zipfile.ZipFile(io.BytesIO(result.data)) as after,
    ):
        assert [i.filename for i in after.infolist()] == [i.filename for i in before.infolist()]
        core = after.read("docProps/core.xml").decode()
        app = after.read("docProps/app.xml").decode()
        assert files.AUTHOR not in core and files.AUTHOR not in app
        assert files.COMPANY not in app
        assert "<dc:title>Verslag</dc:title>" in core and "2024-03-01T09:00:00Z" in core
        assert "<Application>Microsoft Office Word</Application>" in app
        for unchanged in ("word/document.xml", "[Content_Types].xml"):
            assert after.read(unchanged) == before.read(unchanged)
        assert [i.compress_type for i in after.infolist()] == [
            i.compress_type for i in before.infolist()
        ]
    assert identify(result.data).accepted


def test_a_document_without_an_author_is_kept_byte_for_byte():
    plain = files.zip_of(
        {"[Content_Types].xml": files.CONTENT_TYPES, "word/document.xml": files.WORD_DOCUMENT}
    )
    result = _scrubbed(plain)
    assert result.scrubbed and result.removed == () and result.data == plain


def test_an_open_document_loses_its_creators_and_keeps_mimetype_first_and_stored():
    result = _scrubbed(files.odt())
    assert result.removed == ("author",)
    with zipfile.ZipFile(io.BytesIO(result.data)) as after:
        first = after.infolist()[0]
        assert (first.filename, first.compress_type) == ("mimetype", zipfile.ZIP_STORED)
        meta = after.read("meta.xml").decode()
    assert files.AUTHOR not in meta and "LibreOffice/7.6" in meta
    assert identify(result.data).accepted


def test_a_properties_part_with_a_doctype_is_refused():
    bomb = files.CORE.replace(
        "<cp:coreProperties", '<!DOCTYPE x [<!ENTITY a "a">]><cp:coreProperties'
    )
    with pytest.raises(RefusedFile) as refused:
        _scrubbed(files.docx({"docProps/core.xml": bomb}))
    assert refused.value.reason is Refusal.DAMAGED


def test_keep_original_stores_the_bytes_as_received():
    photo = files.jpeg(files.gps_and_camera_exif())
    result = _scrubbed(photo, keep_original=True)
    assert (result.data, result.scrubbed, result.removed) == (photo, False, ())


@pytest.mark.parametrize(
    "data",
    [
        files.ogg_opus(),
        files.mp3(id3=True),
        files.compound_file(("WordDocument", 2)),
    ],
)
def test_what_cannot_be_scrubbed_is_kept_and_said_so(data: bytes):
    result = _scrubbed(data)
    assert (result.data, result.scrubbed) == (data, False)


def test_heic_is_kept_and_said_so():
    heic = FileKind(Kind.IMAGE, "image/heic")
    result = scrub(b"\x00\x00\x00\x18ftypheic", heic)
    assert result.scrubbed is False


def test_plain_text_has_nothing_hidden():
    text = b"Hij zei het twee keer.\n"
    assert _scrubbed(text).scrubbed and _scrubbed(text).data == text


def test_a_pdf_loses_its_author_and_keeps_its_title():
    result = _scrubbed(files.pdf(author="Jan de Vries"))
    assert result.scrubbed and "author" in result.removed
    assert b"Jan de Vries" not in result.data
    assert pypdf.PdfReader(io.BytesIO(result.data)).metadata.title == "Verslag"


def test_an_encrypted_pdf_is_kept_as_received_and_said_so():
    locked = files.pdf(password="geheim")
    result = _scrubbed(locked)
    assert (result.data, result.scrubbed) == (locked, False)


def test_only_accepted_files_are_scrubbed():
    with pytest.raises(ValueError):
        scrub(files.windows_program(), identify(files.windows_program()))
