"""Personal report files: recognised by their content, kept outside the public media folder.

A file is accepted when its bytes are a PDF (`%PDF-` header) or an Office Open XML workbook or
document (a readable ZIP holding `[Content_Types].xml` and `xl/workbook.xml` or
`word/document.xml`). The name the browser sent and the content type it claimed decide nothing:
an HTML page called `report.pdf` is refused. Files are written under `RAPPORT_PRIVATE_ROOT`
(never served by the web server or WhiteNoise) with a name the service chooses.
"""

from __future__ import annotations

import hashlib
import re
import uuid
import zipfile
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from rapport.accounts.roles import is_employee
from rapport.core import audit
from rapport.workspace.models import ReportFile, ReportFileKind

CONTENT_TYPES = {
    ReportFileKind.PDF: "application/pdf",
    ReportFileKind.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ReportFileKind.DOCX: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}
# A ZIP whose entries would unpack past this is not a report (and not opened further).
MAX_UNPACKED = 200 * 1024 * 1024


class ReportFileError(Exception):
    """An upload that is refused; the message is fit to show."""


def max_bytes() -> int:
    return int(settings.RAPPORT_REPORT_FILE_MAX_BYTES)


def private_root() -> Path:
    return Path(settings.RAPPORT_PRIVATE_ROOT)


def sniff(stream: IO[bytes]) -> str:
    """The kind of file these bytes are (`pdf`, `xlsx`, `docx`), or raise ReportFileError."""
    stream.seek(0)
    head = stream.read(8)
    stream.seek(0)
    if head.startswith(b"%PDF-"):
        return ReportFileKind.PDF
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(stream) as archive:
                infos = archive.infolist()
                names = {info.filename for info in infos}
                unpacked = sum(info.file_size for info in infos)
        except (zipfile.BadZipFile, OSError, ValueError) as exc:
            raise ReportFileError(_("This file is damaged.")) from exc
        finally:
            stream.seek(0)
        if unpacked <= MAX_UNPACKED and "[Content_Types].xml" in names:
            if "xl/workbook.xml" in names:
                return ReportFileKind.XLSX
            if "word/document.xml" in names:
                return ReportFileKind.DOCX
    raise ReportFileError(_("Upload a PDF, an Excel workbook (XLSX) or a Word document (DOCX)."))


def _title(name: str) -> str:
    stem = Path(name or "").stem
    cleaned = re.sub(r"[^\w .()-]+", "", stem, flags=re.UNICODE).strip(" .")
    return cleaned[:120] or _("Report")


def upload_report_file(*, owner: Any, upload: Any, request: Any = None) -> ReportFile:
    """Check and keep an employee's report file; audit-logged. Raises ReportFileError."""
    if not is_employee(owner):
        raise ReportFileError(_("Only staff keep report files."))
    size = getattr(upload, "size", None) or 0
    if size <= 0:
        raise ReportFileError(_("The file is empty."))
    if size > max_bytes():
        raise ReportFileError(
            _("The file is larger than %(mb)d MB.") % {"mb": max_bytes() // (1024 * 1024)}
        )
    stream = upload.file if hasattr(upload, "file") else upload
    kind = sniff(stream)
    digest = hashlib.sha256()
    relative = f"reports/{owner.pk}/{uuid.uuid4().hex}.{kind}"
    target = private_root() / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    stream.seek(0)
    with target.open("xb") as out:
        for chunk in iter(lambda: stream.read(64 * 1024), b""):
            digest.update(chunk)
            out.write(chunk)
    try:
        with transaction.atomic():
            report = ReportFile.objects.create(
                owner=owner,
                title=_title(getattr(upload, "name", "")),
                kind=kind,
                path=relative,
                size=target.stat().st_size,
                sha256=digest.hexdigest(),
            )
            audit.record(
                action="report_file.uploaded",
                actor=owner,
                target=report,
                summary=f"Report file {report} uploaded ({report.size} bytes)",
                data={"kind": kind, "size": report.size, "sha256": report.sha256},
                request=request,
            )
    except Exception:
        target.unlink(missing_ok=True)
        raise
    return report


def open_for_download(*, report: ReportFile, actor: Any, request: Any = None) -> IO[bytes]:
    """The file's bytes for someone the access helper let through; audit-logged."""
    handle = (private_root() / report.path).open("rb")
    audit.record(
        action="report_file.downloaded",
        actor=actor,
        target=report,
        summary=f"Report file {report} downloaded",
        data={"owner": report.owner_id},
        request=request,
    )
    return handle
