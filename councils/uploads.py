"""Every file the portal stores, in one place (DESIGN.md invariant 10; issue 14 §1, §3).

- What comes in is told by its content, never by its name: a PDF, JPEG or PNG of at most 10 MB
  (`document_check`), an image whose header Pillow reads within MAX_IMAGE_PIXELS (`image_check`).
- What is kept carries nothing of the device or the person that made it: images are turned
  upright and re-encoded without EXIF, GPS, XMP or text chunks; PDFs lose their document info
  and XMP metadata (`document_clean`, `image_without_metadata`, `pdf_without_metadata`).
- Where it is kept is a random name under a dated folder (`RandomName`, `random_name`): no id,
  number or user-chosen name can be guessed from another. Files are served only by views that
  check the user's scope; there is no `/media/` route.
"""

from __future__ import annotations

import io
import re
import secrets
from pathlib import PurePosixPath

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError
from pypdf import PdfReader, PdfWriter
from pypdf.generic import NameObject

from .periods import today

MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
SIGNATURES = (
    (b"%PDF-", "application/pdf"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
)
EXTENSIONS = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}
# More than any phone camera takes; an image whose header claims more is refused before it is
# decoded (a small file can claim billions of pixels: a decompression bomb).
MAX_IMAGE_PIXELS = 40_000_000
# Pillow itself refuses to decode past this (a decompression bomb), for every image the portal opens.
Image.MAX_IMAGE_PIXELS = MAX_IMAGE_PIXELS
JPEG_QUALITY = 90
# Keys of a PDF's catalogue and pages that describe the document or the program that wrote it.
PDF_METADATA_KEYS = ("/Metadata", "/PieceInfo")


# --- Stored names --------------------------------------------------------------------------------


def random_name(folder: str, extension: str = "") -> str:
    """`folder/2026/12/<random>.pdf`: dated for housekeeping, random so that no name can be
    guessed from an id, a number or another file's name."""
    day = today()
    return f"{folder}/{day:%Y/%m}/{secrets.token_urlsafe(18)}{extension.lower()}"


@deconstructible
class RandomName:
    """`upload_to` of every FileField: a random name under `folder`, keeping only the extension
    of the name the service passes (which the service derives from the content, not the user)."""

    def __init__(self, folder: str):
        self.folder = folder

    def __call__(self, instance, filename: str) -> str:
        suffix = PurePosixPath(filename or "").suffix.lower()
        return random_name(self.folder, suffix if suffix in EXTENSIONS.values() else "")

    def __eq__(self, other) -> bool:
        return isinstance(other, RandomName) and other.folder == self.folder


# --- Checks --------------------------------------------------------------------------------------


def sniff_content_type(head: bytes) -> str | None:
    """The file's real type from its first bytes; the name and the browser's word are ignored."""
    for signature, content_type in SIGNATURES:
        if head.startswith(signature):
            return content_type
    return None


def document_check(upload: UploadedFile, *, field: str | None = None) -> str:
    """A PDF, JPEG or PNG of at most 10 MB, told by its first bytes (never by its name): its
    content type, or a ValidationError (on `field` when given) that says what is wrong."""

    def refuse(message: str):
        raise ValidationError({field: message} if field else message)

    if upload.size > MAX_ATTACHMENT_BYTES:
        refuse(
            _("文件“%(name)s”大小为 %(size).1f MB，超过 10 MB 的上限。")
            % {"name": upload.name, "size": upload.size / 1024 / 1024}
        )
    upload.seek(0)
    content_type = sniff_content_type(upload.read(16))
    upload.seek(0)
    if content_type is None:
        refuse(
            _("文件“%(name)s”不是 PDF、JPEG 或 PNG 文件（按文件内容识别，与扩展名无关）。")
            % {"name": upload.name}
        )
    if content_type.startswith("image/"):
        try:
            image_check(upload)
        except ValidationError as error:
            refuse(error.messages[0])
    return content_type


def image_check(upload: UploadedFile) -> tuple[str, int, int]:
    """The format, width and height of an image whose header Pillow can read and whose size is
    within MAX_IMAGE_PIXELS; nothing is decoded. A ValidationError otherwise."""
    upload.seek(0)
    too_large = False
    try:
        with Image.open(upload) as probe:
            kind, (width, height) = probe.format, probe.size
            too_large = width * height > MAX_IMAGE_PIXELS
            if not too_large:
                probe.verify()
    except Image.DecompressionBombError:
        too_large = True
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
        raise unreadable_image(upload) from error
    finally:
        upload.seek(0)
    if too_large:
        raise ValidationError(
            _("图片“%(name)s”超过 4000 万像素的上限，请缩小后再上传。") % {"name": upload.name},
            code="image_too_large",
        )
    return kind, width, height


def unreadable_image(upload: UploadedFile) -> ValidationError:
    """The error for a file that does not decode as the JPEG or PNG it claims to be."""
    return ValidationError(
        _("文件“%(name)s”已损坏，或不是有效的 JPEG 或 PNG 图片。") % {"name": upload.name},
        code="image_unreadable",
    )


# --- Without metadata ----------------------------------------------------------------------------


def image_without_metadata(
    upload: UploadedFile,
    *,
    format: str | None = None,
    max_side: int | None = None,
    quality: int = JPEG_QUALITY,
) -> tuple[bytes, int, int]:
    """The image turned upright (its EXIF orientation applied), optionally resized, and encoded
    again as `format` (its own by default) with nothing but pixels: no EXIF, GPS, XMP, ICC or
    text chunks. Call `image_check` first: this decodes the image."""
    upload.seek(0)
    try:
        with Image.open(upload) as original:
            kind = format or original.format
            transparency = original.info.get("transparency")
            image = ImageOps.exif_transpose(original)
            if kind == "JPEG" and image.mode not in ("RGB", "L", "CMYK"):
                image = image.convert("RGB")
            if max_side:
                image.thumbnail((max_side, max_side))
            image.info = {}  # nothing of the original's metadata rides along
            out = io.BytesIO()
            if kind == "JPEG":
                image.save(out, format="JPEG", quality=quality, optimize=True)
            else:
                extra = (
                    {"transparency": transparency} if transparency is not None and image.mode == "P" else {}
                )
                image.save(out, format="PNG", optimize=True, **extra)
            return out.getvalue(), image.width, image.height
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
        raise unreadable_image(upload) from error
    finally:
        upload.seek(0)


def pdf_without_metadata(upload: UploadedFile) -> bytes:
    """The same PDF without its document information (author, producer, dates …) and without
    XMP metadata on the document or its pages. A ValidationError for a PDF that cannot be read
    or is locked with a password."""
    upload.seek(0)
    try:
        reader = PdfReader(upload)
        if reader.is_encrypted and not reader.decrypt(""):
            raise ValidationError(
                _("PDF 文件“%(name)s”设有打开密码，请去掉密码后再上传。") % {"name": upload.name},
                code="pdf_encrypted",
            )
        writer = PdfWriter(clone_from=reader)
        for holder in [writer._root_object, *writer.pages]:
            for key in PDF_METADATA_KEYS:
                holder.pop(NameObject(key), None)
        writer.metadata = None
        writer.compress_identical_objects(remove_duplicates=False, remove_unreferenced=True)
        out = io.BytesIO()
        writer.write(out)
        return out.getvalue()
    except ValidationError:
        raise
    except Exception as error:  # the parser meets whatever was uploaded; it fails in many ways
        raise ValidationError(
            _("PDF 文件“%(name)s”已损坏，无法打开，请重新导出后上传。") % {"name": upload.name},
            code="pdf_unreadable",
        ) from error
    finally:
        upload.seek(0)


def document_clean(upload: UploadedFile, *, field: str | None = None) -> tuple[ContentFile, str]:
    """A checked document (see `document_check`) as it is to be stored — without metadata — and
    its content type. The file's name is only its extension: `RandomName` chooses the rest."""
    content_type = document_check(upload, field=field)
    try:
        if content_type == "application/pdf":
            data = pdf_without_metadata(upload)
        else:
            data, _width, _height = image_without_metadata(upload)
    except ValidationError as error:
        raise ValidationError({field: error.messages[0]} if field else error.messages[0]) from error
    return ContentFile(data, name=f"document{EXTENSIONS[content_type]}"), content_type


# --- Files stored before names were random ------------------------------------------------------

RANDOM_NAME = re.compile(r"^(?P<folder>[a-z]+)/\d{4}/\d{2}/[A-Za-z0-9_-]{24}(\.[a-z]{3})?$")


def rename_stored_files(model, field: str, folder: str) -> int:
    """Give every file of `model.field` stored under a name derived from ids, numbers or titles
    (before issue 14 §1) a random name under `folder`; for data migrations, with the historical
    model. A row whose file has gone from the storage keeps its name (its download answers 404).
    Runs again harmlessly: random names are left alone. The number of rows given a new name."""
    moved: dict[str, str] = {}  # rows sharing one file (generated data) keep sharing it
    renamed = 0
    for pk, name in model.objects.exclude(**{field: ""}).values_list("pk", field).iterator():
        if name not in moved:
            if RANDOM_NAME.match(name) or not default_storage.exists(name):
                continue
            with default_storage.open(name, "rb") as handle:
                extension = EXTENSIONS.get(sniff_content_type(handle.read(16)) or "", "")
                handle.seek(0)
                moved[name] = default_storage.save(random_name(folder, extension), handle)
            transaction.on_commit(lambda name=name: default_storage.delete(name))  # kept if this rolls back
        model.objects.filter(pk=pk).update(**{field: moved[name]})
        renamed += 1
    return renamed
