"""A scripted peer handset ("a friend") that answers every MMS with a picture and text.

It lives on the network side (no AT): the SMSC hands it SMS, it joins the WAP
push segments, fetches the message from the MMSC over real HTTP, acknowledges it
with M-NotifyResp.ind and replies to everyone in the conversation.
"""

from __future__ import annotations

import io
import logging
import time
from collections.abc import Callable
from typing import Any

import requests
import requests.adapters

from mmsua.codec.errors import PduError
from mmsua.codec.mms import Address, ContentType, MessageType, MmsPdu, Part, decode_mms, encode_mms
from mmsua.codec.push import decode_push
from mmsua.codec.reassembly import PushReassembler
from mmsua.codec.sms import SmsDeliver, decode_sms
from mmsua.sim.scheduler import Scheduler

log = logging.getLogger(__name__)

HEADERS = {"Content-Type": "application/vnd.wap.mms-message", "User-Agent": "SimFriend/1.0", "x-wap-profile": "http://127.0.0.1/friend.xml"}


def draw_picture(text: str, size: tuple[int, int] = (320, 240)) -> bytes:
    """A small JPEG made on the spot: a sky, a sun and the caption."""
    from PIL import Image, ImageDraw

    img = Image.new("RGB", size, (90, 160, 230))
    draw = ImageDraw.Draw(img)
    w, h = size
    draw.rectangle((0, h * 2 // 3, w, h), fill=(70, 150, 70))
    draw.ellipse((w - 90, 20, w - 30, 80), fill=(250, 220, 60))
    draw.text((12, 12), text[:40], fill=(255, 255, 255))
    out = io.BytesIO()
    img.save(out, "JPEG", quality=80)
    return out.getvalue()


def default_reply(received: MmsPdu) -> tuple[str, bytes]:
    said = received.text.strip()
    text = f"Got your message{': ' + repr(said[:60]) if said else ''}! Here is the view from here."
    return text, draw_picture("Hello from the simulated friend")


class _FromAddress(requests.adapters.HTTPAdapter):
    """Connections that leave from a chosen local address (the friend's PDP address)."""

    def __init__(self, address: str) -> None:
        self._address = address
        super().__init__()

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        kwargs["source_address"] = (self._address, 0)
        super().init_poolmanager(*args, **kwargs)

    def proxy_manager_for(self, *args: Any, **kwargs: Any) -> Any:
        kwargs["source_address"] = (self._address, 0)
        return super().proxy_manager_for(*args, **kwargs)


class Friend:
    """``proxy`` ("host:port"): reach the MMSC through the carrier's MMS proxy, from
    ``address`` (a loopback address of its own, by which the proxy knows who it is)."""

    def __init__(self, msisdn: str, mmsc_url: str, scheduler: Scheduler, *,
                 reply: Callable[[MmsPdu], tuple[str, bytes] | None] = default_reply, delay: float = 0.2,
                 proxy: str | None = None, address: str | None = None) -> None:
        self.msisdn = msisdn
        self.mmsc_url = mmsc_url
        self._http = requests.Session()
        self._http.trust_env = False  # the simulated network only: no proxy from the environment
        if address is not None:
            self._http.mount("http://", _FromAddress(address))
        if proxy is not None:
            self._http.proxies = {"http": f"http://{proxy}"}
        self.reply = reply
        self.delay = delay
        self._scheduler = scheduler
        self._joiner = PushReassembler()
        self.inbox: list[MmsPdu] = []  # messages retrieved
        self.sms: list[SmsDeliver] = []
        self.sent: list[MmsPdu] = []  # replies posted
        self.errors: list[str] = []

    def close(self) -> None:
        self._http.close()

    def deliver_sms(self, pdu: bytes) -> None:
        try:
            sms = decode_sms(pdu, has_smsc=True)
        except PduError as err:
            self.errors.append(f"bad SMS: {err}")
            return
        if not isinstance(sms, SmsDeliver):
            return
        datagram = self._joiner.feed(sms, time.monotonic())
        if datagram is None:
            return
        if datagram.destination_port != 2948:
            self.sms.append(sms)
            return
        try:
            push = decode_push(datagram.data)
            pdu_ = decode_mms(push.body)
        except PduError as err:
            self.errors.append(f"bad push: {err}")
            return
        location = pdu_.content_location
        if pdu_.message_type == MessageType.M_NOTIFICATION_IND and location:
            self._scheduler.call_later(self.delay, lambda: self._fetch_and_answer(pdu_, location))

    def _fetch_and_answer(self, note: MmsPdu, location: str) -> None:
        try:
            got = self._http.get(location, headers=HEADERS, timeout=10)
            got.raise_for_status()
            message = decode_mms(got.content)
            self.inbox.append(message)
            resp = MmsPdu(MessageType.M_NOTIFYRESP_IND, transaction_id=note.transaction_id, mms_version="1.2", status=0x81)
            self._post(resp)
            answer = self.reply(message)
            if answer is None:
                return
            text, jpeg = answer
            others = [a for a in (message.sender, *message.to, *message.cc) if a is not None and a.value != self.msisdn and not a.is_insert_token]
            unique: dict[str, Address] = {a.value: Address.phone(a.value) if a.is_phone else a for a in others}
            if not unique:
                return
            reply = MmsPdu(
                MessageType.M_SEND_REQ, transaction_id=f"friend{len(self.sent) + 1}", mms_version="1.2",
                sender=Address.insert_token(), to=tuple(unique.values()),
                subject=("Re: " + message.subject) if message.subject else None,
                content_type=ContentType.of("application/vnd.wap.multipart.mixed"),
                parts=(Part.from_text(text), Part.make(jpeg, "image/jpeg", name="view.jpg")),
            )
            self._post(reply)
            self.sent.append(reply)
        except (requests.RequestException, PduError) as err:
            log.warning("the friend could not answer: %s", err)
            self.errors.append(str(err))

    def _post(self, pdu: MmsPdu) -> requests.Response:
        resp = self._http.post(self.mmsc_url, data=encode_mms(pdu), headers={**HEADERS, "X-MSISDN": self.msisdn}, timeout=10)
        resp.raise_for_status()
        return resp
