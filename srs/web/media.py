"""What a file of the media folder may be served as: an image, a sound or a video told by its first
bytes, else an inert download.

Whatever an imported deck put in the media folder (any name, any content) must never run as code in
the app's origin. So the file's name and extension are never trusted: only a file whose first bytes
are those of a picture, sound or video format that browsers display without running anything gets
that type. Everything else (HTML, JavaScript, SVG, which may carry a script, XML, CSS, PDF, unknown)
is sent as ``application/octet-stream`` to be saved, never shown. :func:`sniff` reads no library.
"""

from __future__ import annotations

import re

HEAD_BYTES = 32
"""How many first bytes :func:`sniff` needs."""

_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"BM", "image/bmp"),
    (b"ID3", "audio/mpeg"),
    (b"OggS\x00", "audio/ogg"),
    (b"fLaC", "audio/flac"),
    (b"\x1a\x45\xdf\xa3", "video/webm"),
)
# ISO base media files (MP4, M4A, AVIF): a box size, then "ftyp" and the major brand.
_FTYP_BRANDS = {
    b"M4A ": "audio/mp4",
    b"M4B ": "audio/mp4",
    b"avif": "image/avif",
    b"avis": "image/avif",
}
_MP3_FRAME = re.compile(rb"\xff[\xe2-\xe7\xf2-\xf7\xfa-\xff]")  # an MPEG audio frame header, no tag
_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


def sniff(head: bytes) -> str | None:
    """The image, audio or video type that ``head`` (a file's first :data:`HEAD_BYTES` bytes) starts
    like, or None: then the file is served only as a download."""
    for magic, kind in _SIGNATURES:
        if head.startswith(magic):
            return kind
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "audio/wav"
    if head[4:8] == b"ftyp" and len(head) >= 12:
        return _FTYP_BRANDS.get(head[8:12], "video/mp4")
    if _MP3_FRAME.match(head[:2]):
        return "audio/mpeg"
    return None


def download_name(name: str) -> str:
    """A file name safe to quote in a ``Content-Disposition`` header (ASCII letters, digits, ``._-``)."""
    base = name.rsplit("/", 1)[-1]
    return _UNSAFE_NAME.sub("_", base)[:100].strip("._") or "media"
