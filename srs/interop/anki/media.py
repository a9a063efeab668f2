"""Which media files of a package srs takes in: plain file names, bounded sizes, and only images, audio and
video, by name AND by their first bytes.

Anything else (HTML, JavaScript, SVG, XML, CSS, or bytes that are not a known image/audio/video format) is
refused at import and listed in the import's report: such a file would be active content if a browser
opened it from ``srs serve``. The card keeps its link text; the file is simply not copied.
"""

from __future__ import annotations

MAX_MEDIA_BYTES = 64 * 1024 * 1024  # one media file; a larger one is refused
MAX_NAME_BYTES = 255

IMAGE = frozenset({"png", "jpg", "jpeg", "gif", "webp", "bmp", "avif", "ico"})
AUDIO = frozenset({"mp3", "ogg", "oga", "opus", "wav", "flac", "m4a", "aac", "weba"})
VIDEO = frozenset({"mp4", "m4v", "webm", "ogv", "mov", "mkv"})


def safe_name(name: str) -> bool:
    """A plain file name: no folder part, no leading dot, no control character, at most 255 bytes."""
    return (
        bool(name)
        and "/" not in name
        and "\\" not in name
        and not name.startswith(".")
        and not any(ord(ch) < 32 or ord(ch) == 127 for ch in name)
        and len(name.encode("utf-8", "surrogatepass")) <= MAX_NAME_BYTES
    )


def sniff(data: bytes) -> str | None:
    """'image', 'audio' or 'video' from a file's first bytes; None for anything else."""
    head = data[:64]
    if head.startswith(
        (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF87a", b"GIF89a", b"BM", b"\x00\x00\x01\x00")
    ):
        return "image"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image"
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "audio"
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in (b"avif", b"avis", b"heic", b"mif1"):
            return "image"
        if brand in (b"M4A ", b"M4B "):
            return "audio"
        return "video"
    if head.startswith((b"OggS", b"fLaC", b"ID3")) or (
        len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0
    ):
        return "audio"  # Ogg, FLAC, MP3 (tagged, or a frame sync), AAC (ADTS)
    if head.startswith(b"\x1aE\xdf\xa3"):
        return "video"  # Matroska / WebM
    return None


def refusal(name: str, data: bytes) -> str | None:
    """Why a media file is not imported, or None if it is an image, a sound or a video."""
    ext = name.rpartition(".")[2].lower() if "." in name else ""
    if ext not in IMAGE | AUDIO | VIDEO:
        return f"{name}: .{ext or '(none)'} is not an image, audio or video type"
    if sniff(data) is None:
        return f"{name}: its content is not an image, audio or video"
    return None
