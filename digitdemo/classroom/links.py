"""The addresses students can reach, join links and their QR codes. No Streamlit here."""

import io
from urllib.parse import quote, urlsplit, urlunsplit

import segno

LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1", "0.0.0.0", ""}


def is_local(url: str) -> bool:
    """True if the URL's host is this machine only (localhost): students cannot reach it."""
    host = urlsplit(url).hostname or ""
    return host in LOCAL_HOSTS or host.startswith("127.")


def loopback_only(server_address: str | None) -> bool:
    """True if a server bound to this address (Streamlit's server.address) answers this machine alone."""
    host = (server_address or "").strip().strip("[]").lower()
    return host in {"localhost", "::1"} or host.startswith("127.")


def app_base(page_url: str) -> str:
    """The app's root from a page's URL: http://host:8501/class -> http://host:8501."""
    parts = urlsplit(page_url)
    path = parts.path.rstrip("/").rsplit("/", 1)[0]
    return urlunsplit((parts.scheme or "http", parts.netloc, path, "", ""))


def reachable_base(page_url: str, network_ip: str | None) -> str:
    """The app's root as students reach it: a localhost host becomes the machine's network address."""
    base = app_base(page_url)
    if not network_ip or not is_local(base):
        return base
    parts = urlsplit(base)
    port = f":{parts.port}" if parts.port else ""
    host = f"[{network_ip}]" if ":" in network_ip else network_ip
    return urlunsplit((parts.scheme, host + port, parts.path, "", ""))


def join_link(base_url: str, code: str) -> str:
    """The link a student opens to join room ``code``."""
    return f"{base_url.rstrip('/')}/draw?room={quote(code)}"


def qr_png(text: str, scale: int = 12) -> bytes:
    """A QR code of ``text`` as a PNG, black on white, large enough to scan from the back of a room."""
    buffer = io.BytesIO()
    segno.make(text, error="m", micro=False).save(buffer, kind="png", scale=scale, border=2)
    return buffer.getvalue()
