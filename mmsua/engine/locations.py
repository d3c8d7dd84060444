"""Which Content-Locations mmsua fetches without asking: those on the MMSC's host.

Anyone can send a binary SMS, so a WAP push's M-Notification.ind proves nothing
about who wrote it (docs/security.md). Fetching its Content-Location at once
would let a stranger make the handset connect where he likes (a loopback or LAN
service, his own server) and keep retrying; a real MMSC's notifications point
at its own host. The carrier may use another host for content: ``mms.trusted_hosts``
lists those. The check runs when the notification comes (when an MMSC is known) and
again before every GET (the settings in force then), so a notification read before
the carrier's settings came from the SIM is checked too.
"""

from __future__ import annotations

from urllib.parse import quote, urlsplit

from mmsua.engine.settings import AgentSettings


def url_host(url: str) -> str | None:
    """The host of ``url``, lower case, IPv6 without brackets (None: no host, or not a URL)."""
    try:
        host = urlsplit(url.strip()).hostname
    except ValueError:  # e.g. an unclosed "[" of an IPv6 literal
        return None
    return host or None


def trusted_hosts(settings: AgentSettings) -> frozenset[str]:
    """The MMSC's host and ``mms.trusted_hosts`` (lower case)."""
    hosts = {host.strip().strip("[]").lower() for host in settings.trusted_hosts if host.strip()}
    mmsc = url_host(settings.mmsc_url)
    if mmsc:
        hosts.add(mmsc)
    return frozenset(hosts)


def untrusted_reason(location: str | None, settings: AgentSettings) -> str | None:
    """Why ``location`` must not be fetched without the user's word (None: it may be)."""
    text = (location or "").strip()
    if not text.lower().startswith(("http://", "https://")):
        return f"its Content-Location {text[:200]!r} is not an HTTP URL"
    host = url_host(text)
    if host is None:
        return f"its Content-Location {text[:200]!r} names no host"
    if host not in trusted_hosts(settings):
        return (f"its Content-Location is on {host}, not on the MMSC's host (mms.mmsc) "
                "or mms.trusted_hosts: anyone can send such a notification; fetch it only if you trust its sender")
    return None


def retrieval_url(location: str, transaction_id: str | None, settings: AgentSettings) -> str:
    """Where to GET a notification's message: its Content-Location, with the transaction id
    appended when the carrier asks and the location ends in "=" (AOSP's PushReceiver does so
    under ``enabledTransID``; Verizon's MMSC needs it). The id comes from the network: it is
    percent-encoded, so it can only add to the query, never change the host."""
    location = location.strip()
    if settings.append_transaction_id and transaction_id and location.endswith("="):
        tid = quote(transaction_id, safe="-._~")
        if tid not in location:
            return location + tid
    return location


def answer_url(location: str | None, settings: AgentSettings) -> str | None:
    """Where M-NotifyResp.ind and M-Acknowledge.ind go: the Content-Location when the carrier
    says so (``enabledNotifyWapMMSC``) and it is one mmsua would fetch; else None (the MMSC)."""
    if settings.notify_to_location and location and untrusted_reason(location, settings) is None:
        return location.strip()
    return None
