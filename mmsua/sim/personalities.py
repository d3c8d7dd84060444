"""Carrier personalities: the ways real carriers differ that mmsua must cope with, one
name each (`mmsua sim --personality NAME`, `SimulatedCarrier(personality=NAME)`).

default     the simulated carrier as it always was: 300 KB, any headers, MCC/MNC 001/01
            (the 3GPP test network, TS 23.122 / TS 34.108).
strict-ua   an MMSC that answers HTTP 412 (Precondition Failed) to a request whose
            User-Agent or x-wap-profile it does not know, as carriers that check the
            handset's UAProf do. Known: a User-Agent containing "Android" (any case; AOSP
            sends "Android-Mms/2.0" or the carrier's own) or starting with "Dalvik/"
            (Android's HTTP stack), and an x-wap-profile that is an absolute http(s) URL
            (quoted or not). Anything else, or either header missing, is refused.
1mb         an MMSC whose limit is 1 MB (1048576 bytes): a larger M-Send.req is answered
            with M-Send.conf X-Mms-Response-Status 0xE5 Error-permanent-content-not-accepted
            (OMA-TS-MMS_ENC, X-Mms-Response-Status). Its SIM is AT&T's: MCC/MNC 310/410, SPN "AT&T",
            whose AOSP carrier config (packages/apps/CarrierConfig,
            carrier_config_carrierid_1187_AT&T.xml) has maxMessageSize 1048576 and
            maxImageWidth x maxImageHeight 2592 x 1944.
ack-quirks  an MMSC that uses the transaction-id freedom OMA-TS-MMS_ENC gives it, as AOSP
            expects (RetrieveTransaction.sendAcknowledgeInd): an M-Retrieve.conf for an
            immediate retrieval carries no X-Mms-Transaction-ID (no M-Acknowledge.ind is
            wanted; M-NotifyResp.ind with the notification's id is); one for a delayed
            retrieval (after M-NotifyResp.ind Deferred) carries a new id, and only an
            M-Acknowledge.ind with that id counts.
verizon     an MMSC with the acknowledgement quirks AOSP's carrier config gives Verizon
            (311/480: enabledTransID, enabledNotifyWapMMSC; SmsManager documents them as
            "append transaction id to the M-Notification.ind's content location URI when
            constructing the download URL" and "M-NotifyResp.ind should be sent to the WAP
            Push content location instead of the default MMSC"): its Content-Locations end
            in "id=" and serve the message only with the notification's transaction id
            appended; it takes M-NotifyResp.ind and M-Acknowledge.ind at that location. Its
            SIM is Verizon's (MCC/MNC 311/480), so mmsua's carrier rules turn both on.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

KNOWN_UA_PREFIXES = ("Dalvik/",)  # Android's HTTP stack, when an app sends no UA of its own


@dataclass(frozen=True, slots=True)
class Personality:
    name: str
    summary: str
    max_message_size: int = 300 * 1024
    operator: str = "SimCarrier"  # the network name (+COPS) and the SIM's SPN (EF_SPN)
    mcc_mnc: str = "00101"  # the SIM's IMSI starts with it; the network's PLMN
    strict_ua: bool = False
    ack_quirks: bool = False
    transaction_id_in_location: bool = False  # verizon: "…?id=" + the transaction id, answers there

    def imsi(self, number: int) -> str:
        """A 15-digit IMSI of this carrier for the Nth handset."""
        return f"{self.mcc_mnc}{number:0{15 - len(self.mcc_mnc)}d}"


PERSONALITIES: dict[str, Personality] = {p.name: p for p in (
    Personality("default", "300 KB, any User-Agent, test network 001/01"),
    Personality("strict-ua", "HTTP 412 unless the User-Agent contains Android and x-wap-profile is a URL",
                strict_ua=True),
    Personality("1mb", "1 MB limit (larger: M-Send.conf 0xE5), SIM of AT&T 310/410 (AOSP maxMessageSize 1048576)",
                max_message_size=1024 * 1024, operator="AT&T", mcc_mnc="310410"),
    Personality("ack-quirks", "no transaction id in M-Retrieve.conf, a new one after a deferral to acknowledge",
                ack_quirks=True),
    Personality("verizon", "Content-Location ends in id= (GET with the transaction id appended), answers posted there; "
                "SIM of Verizon 311/480", operator="Verizon", mcc_mnc="311480", transaction_id_in_location=True),
)}


def get_personality(name: str) -> Personality:
    try:
        return PERSONALITIES[name]
    except KeyError:
        raise ValueError(f"no carrier personality {name!r}; there are {', '.join(PERSONALITIES)}") from None


def ua_refusal(user_agent: str | None, wap_profile: str | None) -> str | None:
    """Why the strict-ua MMSC refuses these headers, or None when it knows them."""
    ua = (user_agent or "").strip()
    if not ua:
        return "User-Agent is required"
    if "android" not in ua.lower() and not ua.startswith(KNOWN_UA_PREFIXES):
        return f"unknown User-Agent {ua[:80]!r}"
    profile = (wap_profile or "").strip().strip('"').strip()
    if not profile:
        return "x-wap-profile is required"
    try:
        url = urlsplit(profile)
    except ValueError:
        url = None
    if url is None or url.scheme not in ("http", "https") or not url.hostname:
        return f"x-wap-profile {profile[:80]!r} is not a UAProf URL"
    return None
