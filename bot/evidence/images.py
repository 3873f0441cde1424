"""Photos without what gives the sender away: the image is decoded and encoded again by
Pillow, turned upright first as its EXIF orientation says, and written with nothing but
its pixels, colour profile and animation timing (no EXIF, XMP, IPTC or comments).

Decompression bombs: the pixel dimensions the header declares are checked before anything
is decoded, and Pillow's own bomb error and warning are a refusal too, so a small PNG that
claims 50000 x 50000 pixels never reaches memory. HEIC/HEIF cannot be decoded here (Pillow
needs a plugin for it) and is left as it came."""

from __future__ import annotations

import io
import logging
import warnings
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager

from PIL import ExifTags, Image, ImageOps, features
from PIL.JpegImagePlugin import JpegImageFile, get_sampling

from bot.evidence import metadata as category
from bot.evidence.refusals import Refusal, RefusedFile

MAX_PIXELS = 40_000_000  # the largest phone cameras take 50 MP modes rarely; 40 MP is plenty
MAX_FRAMES = 1_000
MAX_ANIMATION_PIXELS = 100_000_000  # every frame together: Pillow keeps them all to save
_FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG", "image/gif": "GIF", "image/webp": "WEBP"}
# What an image keeps: how it looks and moves, nothing about who or where.
_KEPT_INFO = ("transparency", "icc_profile", "duration", "loop", "background", "disposal")
_LEFTOVERS = ("exif", "xmp", "XML:com.adobe.xmp", "comment", "photoshop", "iptc")

_EXIF: dict[int, str] = {
    ExifTags.Base.Make: category.CAMERA,
    ExifTags.Base.Model: category.CAMERA,
    ExifTags.Base.BodySerialNumber: category.CAMERA,
    ExifTags.Base.LensMake: category.CAMERA,
    ExifTags.Base.LensModel: category.CAMERA,
    ExifTags.Base.LensSerialNumber: category.CAMERA,
    ExifTags.Base.MakerNote: category.CAMERA,
    ExifTags.Base.Artist: category.AUTHOR,
    ExifTags.Base.Copyright: category.AUTHOR,
    ExifTags.Base.CameraOwnerName: category.AUTHOR,
    ExifTags.Base.XPAuthor: category.AUTHOR,
    ExifTags.Base.DateTime: category.TIME,
    ExifTags.Base.DateTimeOriginal: category.TIME,
    ExifTags.Base.DateTimeDigitized: category.TIME,
    ExifTags.Base.OffsetTime: category.TIME,
    ExifTags.Base.OffsetTimeOriginal: category.TIME,
    ExifTags.Base.OffsetTimeDigitized: category.TIME,
    ExifTags.Base.SubsecTime: category.TIME,
    ExifTags.Base.SubsecTimeOriginal: category.TIME,
    ExifTags.Base.SubsecTimeDigitized: category.TIME,
    ExifTags.Base.Software: category.SOFTWARE,
    ExifTags.Base.HostComputer: category.SOFTWARE,
    ExifTags.Base.ProcessingSoftware: category.SOFTWARE,
    ExifTags.Base.ImageDescription: category.COMMENT,
    ExifTags.Base.DocumentName: category.COMMENT,
    ExifTags.Base.UserComment: category.COMMENT,
    ExifTags.Base.XPComment: category.COMMENT,
    ExifTags.Base.XPTitle: category.COMMENT,
    ExifTags.Base.XPSubject: category.COMMENT,
    ExifTags.Base.XPKeywords: category.COMMENT,
}
# Tags that say how to show the pixels, not who took them or where: not worth telling.
_LAYOUT = frozenset(
    {
        ExifTags.Base.Orientation,
        ExifTags.Base.XResolution,
        ExifTags.Base.YResolution,
        ExifTags.Base.ResolutionUnit,
        ExifTags.Base.YCbCrPositioning,
        ExifTags.Base.ExifOffset,
        ExifTags.Base.GPSInfo,
        ExifTags.Base.ColorSpace,
        ExifTags.Base.ExifImageWidth,
        ExifTags.Base.ExifImageHeight,
        ExifTags.Base.ExifVersion,
        ExifTags.Base.ComponentsConfiguration,
        ExifTags.Base.FlashPixVersion,
        ExifTags.Base.ExifInteroperabilityOffset,
    }
)
_PNG_TEXT = {
    "author": category.AUTHOR,
    "artist": category.AUTHOR,
    "copyright": category.AUTHOR,
    "comment": category.COMMENT,
    "description": category.COMMENT,
    "title": category.COMMENT,
    "software": category.SOFTWARE,
    "creation time": category.TIME,
}


def can_scrub(mime_type: str) -> bool:
    """Whether this Pillow can decode and encode the format (WebP needs libwebp)."""
    pil_format = _FORMATS.get(mime_type)
    return pil_format is not None and (pil_format != "WEBP" or bool(features.check("webp")))


def check_pixels(data: bytes, mime_type: str) -> None:
    """Refuses a bomb from its header alone, without decoding (a file kept as received)."""
    if can_scrub(mime_type):
        with _opened(data, mime_type) as image:
            _check_pixels(image)


def scrub_image(data: bytes, mime_type: str) -> tuple[bytes, set[str]]:
    """The image encoded again without metadata, and the categories that were in it."""
    pil_format = _FORMATS[mime_type]
    with _opened(data, mime_type) as image:
        _check_pixels(image)
        found = _metadata(image)
        cleaned = _encoded(image, pil_format, data)
    _check_clean(cleaned, mime_type)
    return cleaned, found


@contextmanager
def _opened(data: bytes, mime_type: str) -> Iterator[Image.Image]:
    """Image.open for the one format the content showed, with bombs and broken files
    turned into refusals."""
    _quiet_pillow_debug()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=[_FORMATS[mime_type]]) as image:
                yield image
    except RefusedFile:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise RefusedFile(Refusal.BOMB) from None
    except Exception:  # Pillow reports a broken file with many exception types
        raise RefusedFile(Refusal.DAMAGED) from None


def _quiet_pillow_debug() -> None:
    # Pillow's debug lines print EXIF values (GPS position, serial numbers, owner names):
    # never wanted, whatever level the rest of the process logs at.
    logger = logging.getLogger("PIL")
    if logger.level < logging.INFO:
        logger.setLevel(logging.INFO)


def _check_pixels(image: Image.Image) -> None:
    width, height = image.size
    frames = getattr(image, "n_frames", 1)
    if width * height > MAX_PIXELS or frames > MAX_FRAMES:
        raise RefusedFile(Refusal.BOMB)
    if frames * width * height > MAX_ANIMATION_PIXELS:
        raise RefusedFile(Refusal.BOMB)


def _metadata(image: Image.Image) -> set[str]:
    found: set[str] = set()
    exif = image.getexif()
    if exif.get_ifd(ExifTags.IFD.GPSInfo):
        found.add(category.LOCATION)
    tags = set(exif) | set(exif.get_ifd(ExifTags.IFD.Exif))
    # Exposure, lens and flash settings describe the camera: counted as such.
    found.update(_EXIF.get(tag, category.CAMERA) for tag in tags - _LAYOUT)
    for key, value in image.info.items():
        found.update(_info_categories(str(key), value))
    return found


def _info_categories(key: str, value: object) -> Iterable[str]:
    lowered = key.lower()
    if lowered in ("xmp", "xml:com.adobe.xmp"):
        text = value if isinstance(value, bytes) else str(value).encode("utf-8", "replace")
        yield category.OTHER
        if b"GPS" in text:
            yield category.LOCATION
        if b"creator" in text.lower() or b"author" in text.lower():
            yield category.AUTHOR
    elif lowered in ("photoshop", "iptc"):
        yield category.OTHER
    elif lowered == "comment":
        yield category.COMMENT
    elif isinstance(value, str) and lowered not in _KEPT_INFO:  # PNG text chunks
        yield _PNG_TEXT.get(lowered, category.OTHER)


def _kept_info(info: Mapping[str | tuple[int, int], object]) -> dict[str | tuple[int, int], object]:
    return {key: info[key] for key in _KEPT_INFO if key in info}


def _encoded(image: Image.Image, pil_format: str, data: bytes) -> bytes:
    options: dict[str, object] = {"icc_profile": image.info.get("icc_profile")}
    if isinstance(image, JpegImageFile):  # its own quantisation: no visible loss of quality
        options.update(qtables=image.quantization, subsampling=get_sampling(image))
    if pil_format == "WEBP":
        options.update(lossless=data[12:16] == b"VP8L", quality=90)
    out = io.BytesIO()
    # A phone's JPEG may hold a second picture (MPO: depth map, preview): the photo is the
    # first; GIF, PNG and WebP animations keep every frame.
    if pil_format != "JPEG" and getattr(image, "n_frames", 1) > 1:
        image.info = _kept_info(image.info)
        options.update(save_all=True, loop=image.info.get("loop", 0))
        image.save(out, format=pil_format, **options)
    else:
        upright = ImageOps.exif_transpose(image)
        upright.info = _kept_info(image.info)
        upright.save(out, format=pil_format, **options)
    return out.getvalue()


def _check_clean(cleaned: bytes, mime_type: str) -> None:
    """Anonymity before everything: if the re-encoded file still carries metadata (a
    Pillow change), nothing is stored."""
    with _opened(cleaned, mime_type) as image:
        leftover = bool(image.getexif()) or any(key in image.info for key in _LEFTOVERS)
        leftover = leftover or any(isinstance(value, str) for value in image.info.values())
    if leftover:
        raise RuntimeError("metadata remained after re-encoding an image")
