"""Every mms/ and wsp/ capture in ../shared/corpus decodes with the facts MANIFEST.tsv
states (the sms/ rows belong to the SMS codec's tests); malformed ones raise PduError
at a useful offset; every capture that decodes re-encodes to the same message."""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from mmsua.codec.errors import PduError
from mmsua.codec.mms import Address, Expiry, MmsPdu, decode_mms, encode_mms
from mmsua.codec.push import decode_push

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"
MANIFEST = CORPUS / "MANIFEST.tsv"
pytestmark = pytest.mark.corpus


def _rows() -> list[dict[str, str]]:
    if not MANIFEST.is_file():
        return []
    with MANIFEST.open(newline="", encoding="utf-8") as f:
        return [r for r in csv.DictReader(f, delimiter="\t") if r["file"].startswith(("mms/", "wsp/"))]


ROWS = _rows()
ABSENT = f"third-party corpus not found at {CORPUS} (it sits beside the checkout in the project workspace)"


def _cet(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def plmn(number: str) -> Address:
    return Address.phone(number)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


# Facts transcribed from the manifest's facts column, file by file.
FACTS: dict[str, dict[str, Any]] = {
    "mms/pm-iphone-send-req.mms": dict(tid="1262957356-3", version="1.2", to=["1337/TYPE=PLMN"], sender="insert-address-token",
                                       ct="application/vnd.wap.multipart.related", start="0.smil", type="application/smil",
                                       part_types=["application/smil", "image/jpeg"], names={1: "IMG_6807.jpg"}, smil_mentions="IMG_6807.jpg"),
    "mms/pm-simple-retrieve-conf.mms": dict(tid=None, version="1.0", date=utc(2002, 12, 20, 21, 26, 56), subject="Simple message",
                                            ct="application/vnd.wap.multipart.related", params=(),
                                            part_types=["text/plain"], texts={0: "This is a simple MMS message with a single text body part."}),
    "mms/pm-bt-ignite-retrieve-conf.mms": dict(tid=None, version="1.0", date=utc(2003, 1, 21, 1, 57, 4), subject="BT Ignite MMS",
                                               start="<btmms.smil>", type="application/smil",
                                               part_types=["application/smil", "image/gif", "audio/amr", "text/plain"],
                                               texts={3: "BT Ignite\r\n\r\nMMS Services"}),
    "mms/pm-tomslot-retrieve-conf.mms": dict(tid=None, version="1.0", sender="allan@tomslot.com", date=utc(2003, 2, 16, 3, 48, 33),
                                             subject="Tom Slot Band", start="<tomslot.smil>",
                                             part_types=["application/smil"] + ["image/jpeg"] * 5 + ["text/plain", "audio/amr"],
                                             texts={6: "Presented by NowMMS\r\n"}, smil_mentions="PANASONIC"),
    "mms/pm-nowmms-retrieve-conf.mms": dict(tid=None, version="1.0", sender="NowMMS <nowsms@now.co.uk>", subject="NowMMS Test Message",
                                            date=utc(2002, 11, 20, 1, 27, 49), start="<nowmms.smil>",
                                            part_types=["application/smil", "image/gif", "text/plain", "audio/amr", "text/plain"]),
    "mms/pm-images-cut-off-send-req.mms": dict(tid="2112410527", version="1.0", sender="insert-address-token", to=["tdpt@ajajg.cdm"],
                                               subject="Picture3", delivery_report=False, read_report=False, start="<SMIL.TXT>",
                                               part_types=["image/jpeg", "application/smil"], names={0: "Picture3.jpg"},
                                               smil_mentions="cid:Picture3.jpg"),
    "mms/pm-openwave-send-req.mms": dict(tid="1067263672", version="1.0", sender="+16505550000/TYPE=PLMN", to=["112/TYPE=PLMN"],
                                         subject="rubrik", message_class="personal", priority="normal", delivery_report=False,
                                         start="<smil_0>", part_types=["application/smil", "text/plain"], texts={1: "rubrik"}),
    "mms/pm-sonyericsson-t310-send-req.mms": dict(tid="1-8db", version="1.0", date=utc(2004, 3, 18, 7, 30, 34), to=["55225/TYPE=PLMN"],
                                                  sender_visibility="show", read_report=False, message_class="personal",
                                                  priority="normal", subject=None, start="<AAAA>",
                                                  part_types=["image/gif", "text/plain", "audio/midi", "application/smil"],
                                                  names={0: "Tony.gif", 2: "OldhPhone.mid"}, texts={1: "Hej hopp"}),
    "mms/pm-gallery2-send-req.mms": dict(tid="1118775337", version="1.0", sender="+16505550000/TYPE=PLMN", to=["Jg"], subject="Jgj",
                                         message_class="personal", priority="normal", delivery_report=False, start="<smil_0>",
                                         part_types=["application/smil", "text/plain", "image/jpeg"], texts={1: "Jgj"},
                                         names={2: "gnu-head.jpg"}),
    "mms/pm-projekt-exempel-send-req.mms": dict(tid="4-fc60", version="1.0", date=utc(2004, 5, 23, 15, 13, 40), to=["12345/TYPE=PLMN"],
                                                subject="Hej", start="<AAAA>", part_types=["text/plain", "image/gif", "application/smil"],
                                                texts={0: "Jonatan är en GNU"}, charsets={0: "utf-8", 2: "utf-8"}, names={2: "mms.smil"}),
    "mms/pm-gold-retrieve-conf.mms": dict(tid="0000000001", version="1.0", sender="goldpost@hotmail.com", date=utc(2002, 8, 9, 13, 8, 2),
                                          subject="GOLD", start="<A0>",
                                          part_types=["text/plain", "application/smil", "text/plain", "text/plain", "audio/amr",
                                                      "text/plain", "text/plain", "text/plain", "text/plain"],
                                          text_contains="präsentiert"),
    "mms/pm-sonyericsson-swedish-subject-send-req.mms": dict(tid="3-31cb", version="1.0", date=utc(2004, 5, 23, 14, 14, 58),
                                                             to=["123/TYPE=PLMN"], subject="Angående art-tillhörighet", start="<AAAA>",
                                                             part_types=["image/vnd.wap.wbmp", "text/plain", "application/smil"],
                                                             names={0: "Rain.wbmp", 1: "mms.txt", 2: "mms.smil"},
                                                             texts={1: "Jonatan är en gnu."}, charsets={1: "utf-8", 2: "utf-8"}),
    "mms/pm-samsung-sghs300m-send-req.mms": dict(tid="31887", version="1.0", to=["0738345664/TYPE=PLMN"], subject="IL",
                                                 sender_visibility="show", read_report=False, delivery_report=False,
                                                 message_class="personal", ct="application/vnd.wap.multipart.mixed",
                                                 part_types=["text/plain"], texts={0: "HV"}, charsets={0: "utf-8"}),
    "mms/mmsd-ni-mms-1-3-con-271.mms": dict(tid="OgQKKB", version="1.0", sender="+44123989100/TYPE=PLMN",
                                            subject="abcdefghijklmnopqrstuvwxyz0123456789/-+@", message_class="personal",
                                            size=23069, location="http://eps3.de/O/Z9IZO", expiry=Expiry.after(259200)),
    "mms/mmsd-ni-mms-1-3-con-272.mms": dict(tid="OgQKKB", version="1.0", sender="+44123989100/TYPE=PLMN", subject="MMS-1.3-con-272",
                                            message_class="personal", size=23069,
                                            location="http://abcdefghi/abcdefghi/abcdefghi/abcdefghi/abcdefghi/abcdefghi/abcdefghi/abcdefghi/abcdefghi.mms"),
    "mms/mmsd-rc-mms-1-3-con-210.mms": dict(tid="00000000210", version="1.3", sender="+33611111111/TYPE=PLMN", to=["+33622222222/TYPE=PLMN"],
                                            subject="MMS-1.3-con-210", date=_cet("2011-05-31T10:42:30+02:00"), message_class=None,
                                            priority=None, message_id=None, part_types=["application/smil", "image/gif"],
                                            long_location=(1, 92)),
    "mms/mmsd-rc-mms-1-3-con-211.mms": dict(tid="00000000211", version="1.3", subject="Shõrt Téxt - ¥üëäÿ",
                                            date=_cet("2011-06-03T16:01:31+02:00"), part_types=["application/smil", "text/plain"]),
    "mms/mmsd-rc-mms-1-3-con-212.mms": dict(tid="00000000212", date=_cet("2011-06-03T11:45:21+02:00"), ct="application/vnd.wap.multipart.mixed",
                                            part_types=["text/plain"], charsets={0: "ascii"}),
    "mms/mmsd-rc-mms-1-3-con-213.mms": dict(tid="00000000213", date=_cet("2011-06-03T11:52:45+02:00"), ct="application/vnd.wap.multipart.mixed",
                                            part_types=["text/plain"], charsets={0: "utf-8"}),
    "mms/mmsd-rc-mms-1-3-con-214.mms": dict(tid="00000000214", date=_cet("2011-06-03T14:41:16+02:00"), ct="application/vnd.wap.multipart.mixed",
                                            part_types=["text/plain"], sizes={0: 216}, text_contains="French"),
    "mms/mmsd-rc-mms-1-3-con-216.mms": dict(tid="00000000216", date=_cet("2011-06-03T15:08:09+02:00"), part_types=["application/smil", "image/jpeg"]),
    "mms/mmsd-rc-mms-1-3-con-220.mms": dict(tid="00000000220", date=_cet("2011-06-03T15:27:27+02:00"), part_types=["application/smil", "image/gif"]),
    "mms/mmsd-rc-mms-1-3-con-224.mms": dict(tid="00000000224", date=_cet("2011-06-03T15:38:00+02:00"), part_types=["application/smil", "image/gif"]),
    "mms/mmsd-rc-mms-1-3-con-228.mms": dict(tid="00000000228", date=_cet("2011-06-03T15:46:42+02:00"), part_types=["application/smil", "image/vnd.wap.wbmp"]),
    "mms/mmsd-rc-mms-1-3-con-271.mms": dict(tid="00000000271", subject="abcdefghijklmnopqrstuvwxyz0123456789/-+@",
                                            date=_cet("2011-06-03T11:23:30+02:00"), part_types=["application/smil", "text/plain"]),
    "mms/mmsd-rc-mms-1-3-con-281.mms": dict(tid="00000000281", subject="MMS-1.3-con-281", date=_cet("2011-06-03T16:37:02+02:00"),
                                            ct="application/vnd.wap.multipart.mixed", part_types=["text/plain", "image/jpeg"],
                                            extra_names=["X-MMS-Unrecognised-Header-Field"]),
    "mms/mmsd-rc-mms-1-3-con-282.mms": dict(tid="00000000282", subject="MMS-1.3-con-282", date=_cet("2011-06-03T16:25:07+02:00"),
                                            message_class="NewMessageClass", part_types=["text/plain", "image/jpeg"]),
    "mms/mmsd-sr-mms-mixed.mms": dict(tid="000000000001", version="1.0", to=["+33612345678/TYPE=PLMN"], ct="application/vnd.wap.multipart.mixed",
                                      part_types=["text/plain"], charsets={0: "utf-8"}, content_ids={0: "<Generic_Text.txt>"}, sizes={0: 15},
                                      length=90),
    "mms/mmsd-sr-mms-related-multi-to.mms": dict(tid="000000000002", version="1.0", to=["+33612345678/TYPE=PLMN", "+33612345679/TYPE=PLMN"],
                                                 ct="application/vnd.wap.multipart.related", part_types=["application/smil", "text/plain"],
                                                 content_ids={0: "<SMIL>", 1: "<Generic_Text.txt>"}, sizes={0: 305, 1: 15}, length=476),
    "mms/mmsd-array-notify-ind-1.mms": dict(length=68, tid="OgQKKB", version="1.0", sender="Erotik", subject="Pin-Ups", message_class="personal",
                                            size=16384, location="http://eps3.de/O/Z9IZO", expiry=Expiry.after(259200)),
    "mms/mmsd-array-notify-ind-2.mms": dict(length=93, tid="wLJeT7THu", version="1.0", sender="15551230000/TYPE=PLMN", subject=None,
                                            message_class="personal", size=23069, location="http://mmsc11:10021/mmsc/1_1?wLJeT7THu"),
    "mms/mmsd-array-retrieve-conf-1.mms": dict(length=200, tid="1201657238", version="1.3", sender="+49891000/TYPE=PLMN", subject="MMS-1.3-con-212",
                                               message_id="mt-212", date=_cet("2008-01-30T02:40:38+01:00"), to=[],
                                               ct="application/vnd.wap.multipart.mixed", names={0: "Text_us-ascii.txt"},
                                               text_contains="The quick brown fox"),
    "mms/mmsd-array-retrieve-conf-2-multi-to.mms": dict(length=192, tid="1201657238", version="1.0", sender="+1234567890/TYPE=PLMN",
                                                        # mmsd prints numbers without the "+" the bytes hold
                                                        to=["+1111111111/TYPE=PLMN", "+2222222222/TYPE=PLMN", "+3333333333/TYPE=PLMN"],
                                                        subject="multito", message_class="personal", priority="normal", message_id=None,
                                                        date=_cet("2011-04-04T11:41:50+02:00"), texts={0: "Hello World"}),
    "mms/mmsd-array-retrieve-conf-3-no-tid.mms": dict(length=147, tid=None, version="1.0", sender="+1234567890/TYPE=PLMN", to=["+6666666666/TYPE=PLMN"],
                                                      subject="test without transaction ID", message_class="personal", priority="normal",
                                                      date=_cet("2011-04-08T12:27:05+02:00"), texts={0: "Hello World !\n"}),
    "mms/mmsd-array-send-conf-ok.mms": dict(length=28, tid="31887", version="1.0", response_status=0x80, message_id="4dc268d71438a",
                                            response_status_name="ok"),
    "mms/mmsd-array-send-conf-format-corrupt.mms": dict(length=13, tid="31888", version="1.0", response_status=0xE2, message_id=None,
                                                        response_status_name="error-permanent-message-format-corrupt"),
    "mms/mmsd-array-notifyresp-ind-encoded.mms": dict(length=24, tid="0123456789abcdef", version="1.2", status=0x81, status_name="retrieved",
                                                      exact_reencode=True),
    "mms/gammu-helloworld-send-req.mms": dict(version="1.0", tid="dlsaf", sender="+34660785634/TYPE=PLMN", to=["John Doe <john.doe@foo.com>"],
                                              subject="My first MMS Message", start="<lskdjfie>",
                                              part_types=["image/gif", "text/plain", "image/gif", "text/plain", "application/smil"],
                                              names={0: "SmileyFace.gif", 2: "TheEnd.gif"}, charsets={1: "utf-16-be", 3: "utf-16-be", 4: "latin-1"}),
    "mms/gammu-worldcupupdate-nosmil-retrieve-conf.mms": dict(version="1.0", tid="1234", sender="mms-editor@toolkit", to=["+15555551212"],
                                                              subject="World Cup Update", message_class="personal", priority="low",
                                                              ct="application/vnd.wap.multipart.mixed",
                                                              part_types=["image/gif", "text/plain", "text/plain", "text/plain", "image/gif"],
                                                              content_ids={i: f"CID{i + 1}" for i in range(5)}, extra_names=[" "]),
    "mms/gammu-worldcupupdate-withsmil-retrieve-conf.mms": dict(version="1.0", tid="1234", start="<presentation-part>", nparts=6,
                                                                part_types=["application/smil"] + [None] * 5, extra_names=[" "]),
    "mms/jolla-delivery-ind-deliveryok-m-delivery-ind.mms": dict(message_id="BH24CBJJA40W1", status=0x81, status_name="retrieved", version="1.1",
                                                                date=utc(2013, 12, 20, 17, 31, 48), to=["+358500000000/TYPE=PLNM"]),
    "mms/jolla-delivery-ind-deliveryrejected-m-delivery-ind.mms": dict(message_id="BH24CBJJA40W1", status=0x82, status_name="rejected"),
    "mms/jolla-codec-m-acknowledge-ind.mms": dict(version="1.1", tid="BH6WJE2N9CSG1@xma.724.com", report_allowed=False),
    "mms/jolla-codec-m-delivery-2-ind.mms": dict(version="1.0", tid="x" * 18, status=0x81, date=utc(2016, 10, 17, 14, 38, 17),
                                                 extra_names=["Return-Path", "X-Scanned-By"]),
    "mms/jolla-codec-m-notification-1-ind.mms": dict(version="1.0", tid="m10l9m7u03mct2jbc12@mms.beeline.ru", sender="+79050000000/TYPE=PLMN",
                                                     message_class="personal", size=25031, expiry=Expiry.after(259199),
                                                     location="http://mmsr5/?message-id=m10l9m7u03mct2jbc12"),
    "mms/jolla-codec-m-notification-2-ind.mms": dict(version="1.1", tid="BH1CFPLK7PMO1@xma.724.com", location="http://172.19.24.3:8000/MMSBH1CFPLK7PMO1",
                                                     delivery_report=False, size=89844),
    "mms/jolla-codec-m-notification-3-ind.mms": dict(version="1.2", tid="Ad0b9pXNC_Be1I_VQ", sender="+358540000000/TYPE=PLMN", size=137105,
                                                     location="http://mmsc42:10021/mmsc/4_2?Ad0b9pXNC_Be1I_VQ"),
    "mms/jolla-codec-m-notification-4-ind.mms": dict(version="1.0", sender="0000000000", size=839556, expiry=Expiry.at(utc(2016, 11, 14, 22, 2, 18)),
                                                     location_prefix="http://tnz-retrieve.sun2.lightsurf.net:80/?msgid="),
    "mms/jolla-codec-m-notifyresp-ind.mms": dict(version="1.1", tid="m10l9m7u03mct2jbc12@mms.beeline.ru", status=0x84, status_name="unrecognised"),
    "mms/jolla-codec-m-read-orig-ind.mms": dict(version="1.1", message_id="BH24CBJJA40W1", sender="+358500000000/TYPE=PLMN",
                                                to=["+358440000001/TYPE=PLMN"], date=utc(2013, 12, 20, 17, 34, 15), read_status=0x80),
    "mms/jolla-codec-m-read-rec-ind.mms": dict(version="1.1", message_id="ED4FEEF0-7795-71E3-B973-D485645D138C", to=["+358500000000/TYPE=PLMN"],
                                               sender="insert-address-token", date=utc(2014, 1, 7, 12, 20, 13), read_status=0x80),
    "mms/jolla-codec-m-retrieve-1-conf.mms": dict(version="1.0", tid="m10l9m7u03mct2jbc12@mms.beeline.ru", message_id="m10bdtxic3mct2jbc12@mms.beeline.ru",
                                                  nto=2, ncc=2, message_class="advertisement", read_report=True, retrieve_status=0x80,
                                                  retrieve_text="Message retrieved successfully", start="<0.smil>"),
    "mms/jolla-codec-m-retrieve-10-conf.mms": dict(version="1.2", tid="0No1R0GYV0101", retrieve_status=0x80, retrieve_text="Ok",
                                                   part_types=["application/smil", "text/plain"], sender_charset=36),
    "mms/jolla-codec-m-retrieve-2-conf.mms": dict(version="1.1", tid="BGYC4JKHIJB41@xma.724.com", message_class="informational",
                                                  subject="Входит Пушкин в летном шлеме...", start="<0>", nparts=5),
    "mms/jolla-codec-m-retrieve-3-conf.mms": dict(version="1.2", tid="0413103657100000000000000", date=utc(2014, 4, 13, 10, 36, 57), start="<smil>",
                                                  part_types=["application/smil", "text/plain", "image/jpeg"], to_charset=106),
    "mms/jolla-codec-m-retrieve-4-conf.mms": dict(version="1.2", tid="23wE4C01E0DWM00", subject="", sender="01234567890", sender_charset=3,
                                                  ct="application/vnd.wap.multipart.mixed", nparts=1),
    "mms/jolla-codec-m-retrieve-5-conf.mms": dict(version="1.2", tid=None, retrieve_status=0xE2, retrieve_status_name="error-permanent-message-not-found",
                                                  retrieve_text="4504:Message not found", ct="text/plain", part_types=["text/plain"], sizes={0: 22}),
    "mms/jolla-codec-m-retrieve-6-conf.mms": dict(version="1.0", nto=4, start="<smil>", nparts=3),
    "mms/jolla-codec-m-retrieve-7-conf.mms": dict(version="1.0", tid=None, to=["+4799999999/TYPE=PLMN"], ct="application/vnd.wap.multipart.mixed",
                                                  texts={0: "Melding ikke funnet."}),
    "mms/jolla-codec-m-retrieve-8-conf.mms": dict(version="1.1", part_types=["application/smil", "text/x-vcard", "text/plain"],
                                                  extra_names=["X-Mms-Previously-Sent-Date", "X-Mms-Previously-Sent-By"]),
    "mms/jolla-codec-m-retrieve-9-conf.mms": dict(version="1.2", tid="01vE5CG0U1K9L00", message_class="informational",
                                                  ct="application/vnd.wap.multipart.mixed", nparts=1),
    "mms/jolla-codec-m-send-1-conf.mms": dict(version="1.1", tid="UZSWBX", message_id="BIR5LJHVQTGK1", response_status=0x80),
    "mms/jolla-codec-m-send-1-req.mms": dict(version="1.2", tid="c024802b-2ebf-428d-b4d6-a8f991deed44", delivery_report=True, read_report=True,
                                             subject="Fw: another test", part_types=["application/smil", "image/jpeg"]),
    "mms/jolla-codec-m-send-2-conf.mms": dict(version="1.1", tid="342", response_status=0x83, response_text_contains="получателей"),
    "mms/jolla-codec-m-send-2-req.mms": dict(version="1.2", tid="1397291245-0", to=["+358500000000/TYPE=PLMN"], start="0.smil",
                                             part_types=["application/smil", "image/jpeg"], min_size={1: 250_000}),
    "mms/jolla-codec-m-send-3-conf.mms": dict(version="1.1", tid="268", response_status=0x80, response_text="Сообщение успешно принято.",
                                              message_id="mis9Y4E1_4UWx4rsttCZ02@mms.beeline.ru"),
    "mms/jolla-codec-m-send-3-req.mms": dict(version="1.2", tid="T14556160e0f", expiry=Expiry.after(604800), subject="Fwd: ",
                                             part_types=["application/smil", "image/jpeg", "text/plain"]),
    "mms/jolla-read-ind-readdeleted-m-read-orig-ind.mms": dict(message_id="BH24CBJJA40W1", read_status=0x81),
    "mms/jolla-retrieve-base64-m-acknowledge-ind.mms": dict(version="1.1", tid="BQXQLF3OH0101@xma.724.com", report_allowed=True),
    "mms/jolla-retrieve-base64-m-notification-ind.mms": dict(version="1.1", tid="BQXQLF3OH0101@xma.724.com", delivery_report=True, size=226734),
    "mms/jolla-retrieve-base64-m-retrieve-conf.mms": dict(part_types=["application/smil", "image/jpeg", "text/plain"],
                                                          content_ids={0: "<smil>", 1: "<1.jpg>", 2: "<2.txt>"}, charsets={0: "utf-8", 2: "utf-8"},
                                                          names={0: "smil"}, text_contains="huomenna"),
    "mms/jolla-retrieve-expired1-m-notification-ind.mms": dict(expiry=Expiry.at(utc(1970, 1, 1)), subject="Питер", size=113018),
    "mms/jolla-retrieve-invalidsubject-m-notification-ind.mms": dict(version="1.0", tid="9gO0009JS7k0", sender="0033333333333/TYPE=PLMN", size=210058),
    "mms/jolla-retrieve-invalidsubject-m-retrieve-conf.mms": dict(subject="=?utf-8?B??=", part_types=["application/smil", "image/jpeg"],
                                                                  content_ids={0: "<start>", 1: "<1>"}, charsets={0: "ascii"}, names={0: "smil.smi"}),
    "mms/jolla-retrieve-notfound-m-notification-ind.mms": dict(version="1.1", tid="BI3R4V2ISLR41@xma.724.com", subject="Питер", size=113018,
                                                               expiry=Expiry.after(259198)),
    "mms/jolla-retrieve-quotedprintable-m-retrieve-conf.mms": dict(part_types=["application/smil", "image/jpeg", "text/plain"],
                                                                   content_ids={0: "<smil>", 1: "<1.jpg>", 2: "<2.txt>"}, text_contains="huomenna"),
    "mms/jolla-retrieve-soonexpired-m-notification-ind.mms": dict(expiry=Expiry.after(1)),
    "mms/jolla-retrieve-success1-m-acknowledge-ind.mms": dict(version="1.1", tid="BI3R4V2ISLR41@xma.724.com", report_allowed=True),
    "mms/jolla-retrieve-success1-m-retrieve-conf.mms": dict(version="1.1", subject="Питер", min_cc=1,
                                                            part_types=["application/smil", "text/plain", "image/jpeg", "text/plain", "image/jpeg"],
                                                            content_ids={0: "<0>", 1: "<text_0011.txt>", 2: "<131200181.jpg>", 3: "<text_0021.txt>", 4: "<140100041.jpg>"},
                                                            charsets={0: "utf-8", 1: "utf-8", 3: "utf-8"}, names={0: "0.smil"}),
    "mms/jolla-retrieve-success2-m-acknowledge-ind.mms": dict(version="1.1", tid="AaamMbG2tpp5lj4Ra"),
    "mms/jolla-retrieve-success2-m-notification-ind.mms": dict(version="1.2", tid="AaamMbG2tpp5lj4Ra", sender="+358401111111/TYPE=PLMN", size=66070,
                                                               location="http://mmsc62:10021/mmsc/6_2?AaamMbG2tpp5lj4Ra", bcc=[""], trailing=b"\x00"),
    "mms/jolla-retrieve-success2-m-retrieve-conf.mms": dict(part_types=["image/jpeg", "text/plain", "application/smil"], content_ids={2: "<332047400>"},
                                                            content_locations={0: "2014_03_.jpg", 1: "Test_mms.txt"}, retrieve_status=0x80,
                                                            retrieve_text="1000:OK", charsets={1: "utf-8", 2: "utf-8"}),
    "mms/jolla-retrieve-success3-m-acknowledge-ind.mms": dict(version="1.1", tid="49955185@mmsc1"),
    "mms/jolla-retrieve-success3-m-notification-ind.mms": dict(version="1.2", tid="49955185@mmsc1", size=125579,
                                                               location_prefix="http://213.161.44.115/mts/?id=49955185&pw="),
    "mms/jolla-retrieve-success3-m-retrieve-conf.mms": dict(part_types=["application/smil", "image/jpeg", "text/plain"],
                                                            content_ids={0: "<0>", 1: "<1>", 2: "<2>"}, names={1: "1.jpg", 2: "text_001.txt"},
                                                            subject_endswith="\ufffd"),
    "mms/jolla-send-accept-m-send-conf.mms": dict(message_id="TestMessageId", response_status=0x80),
    "mms/jolla-send-emptymessageid-m-send-conf.mms": dict(tid="1", response_status=0x80, message_id=""),
    "mms/jolla-send-failure-m-send-conf.mms": dict(tid="1", response_status=0xE0, response_status_name="error-permanent-failure"),
    "mms/jolla-send-servicedenied-m-send-conf.mms": dict(tid="463", response_status=0xE1, message_id="021512014610000000005",
                                                         response_status_name="error-permanent-service-denied"),
}

# WSP pushes: (tid, content type, app id, body length, inner MMS facts or None).
PUSH_FACTS: dict[str, dict[str, Any]] = {
    "wsp/mmsd-push-1-mms-notification.wsp": dict(length=107, tid=1, ct="application/vnd.wap.mms-message", app_id=4, body=68,
                                                 header_names=["X-Wap-Application-Id", "Push-Flag"],
                                                 mms=dict(tid="OgQKKB", sender="Erotik", subject="Pin-Ups", size=16384)),
    "wsp/mmsd-push-2-mms-notification.wsp": dict(length=132, tid=0, ct="application/vnd.wap.mms-message", app_id=4, body=93,
                                                 header_names=["X-Wap-Application-Id", "Content-Length"],
                                                 mms=dict(tid="wLJeT7THu", size=23069)),
    "wsp/mmsd-push-3-drm-rights.wsp": dict(length=90, tid=76, ct="application/vnd.oma.drm.rights+wbxml", app_id=8, body=84, mms=None),
    "wsp/mmsd-push-4-syncml-dm.wsp": dict(length=38, tid=183, ct="application/vnd.syncml.notification", app_id=7, body=32, mms=None),
    "wsp/mmsd-push-5-connectivity-cp.wsp": dict(length=115, tid=196, ct="application/vnd.wap.connectivity-wbxml", body=65, mms=None,
                                                params=["sec", "mac"]),
    "wsp/gammu-smsbackup-mms-298.wsp": dict(length=127, tid=0x2E, ct="application/vnd.wap.mms-message", app_id=4, notes=True,
                                            mms=dict(version="1.2", tid="81343974@mms1", sender="+32476493211/TYPE=PLMN", size=254331,
                                                     location="http://mts/?id=81343974")),
    "wsp/gammu-smsbackup-mms-tmobile-cz-a.wsp": dict(tid=0x11, app_id=4, header_names=["X-Wap-Application-Id", "Push-Flag"],
                                                     mms=dict(version="1.0", tid="m5da5a9jn210ma56q20@", sender="+420777777777/TYPE=PLMN",
                                                              subject="A", size=6174, location="http://mmscz/?m=m5da5a9jn210ma56q20")),
    "wsp/gammu-smsbackup-mms-tmobile-cz-b.wsp": dict(app_id=4, mms=dict(version="1.0", tid="m5da9g6l823ppr42w18@", sender="+420774711225/TYPE=PLMN",
                                                                        subject="Predmet", size=29000, location="http://mmscz/?m=m5da9g6l823ppr42w18",
                                                                        trailing=b"\n")),
    "wsp/gammu-smsbackup-mms-unicode-subject.wsp": dict(mms=dict(version="1.0", tid="m5da5a9jn21hrzc9d18@", sender="+420777046536/TYPE=PLMN",
                                                                 subject="Zkouška", size=29000)),
    "wsp/gammu-smsbackup-mms-vodafone.wsp": dict(tid=1, mms=dict(version="1.0", tid="NOK5DdfGoS8YSIIOsTgAAsKvw81xSAAAAAAAA",
                                                                 sender="+420739524188/TYPE=PLMN", subject="366553526", size=29696,
                                                                 location="http://promms/servlets/NOK5DdfGoS8YSIIOsTgAAsKvw81xSAAAAAAAA",
                                                                 trailing=b"\n")),
    "wsp/gammu-smsbackup-multipart-mms-orange-pl.wsp": dict(tid=1, initiator="10.60.77.6",
                                                            mms=dict(version="1.0", tid="C1TpKYI6wQ_AYAACAtAAAABgABMTsAAAAA", sender="Powitalny@MMS",
                                                                     subject="Odkryj MMS-a!", size=16000, expiry=Expiry.after(1500),
                                                                     location="http://mms1geo.orange.pl:8002/TpKYI6wQ_AYAACAtAAAABgABMTsAAAAA")),
}

MALFORMED = {"wsp/aosp-wappush-blocked-number-headerslen0.wsp"}


def _check(pdu: MmsPdu, facts: dict[str, Any], data: bytes) -> None:
    simple = {
        "tid": "transaction_id", "version": "mms_version", "subject": "subject", "message_class": "message_class",
        "priority": "priority", "size": "message_size", "location": "content_location", "expiry": "expiry", "date": "date",
        "message_id": "message_id", "status": "status", "response_status": "response_status", "response_text": "response_text",
        "retrieve_status": "retrieve_status", "retrieve_text": "retrieve_text", "read_status": "read_status",
        "delivery_report": "delivery_report", "read_report": "read_report", "report_allowed": "report_allowed",
        "sender_visibility": "sender_visibility", "trailing": "trailing", "status_name": "status_name",
        "response_status_name": "response_status_name", "retrieve_status_name": "retrieve_status_name",
    }
    for key, value in facts.items():
        if key in simple:
            got = getattr(pdu, simple[key])
            if key == "message_class" and isinstance(value, str) and got is not None:
                got, value = got.lower(), value.lower()
            assert got == value, f"{key}: {got!r} != {value!r}"
        elif key == "sender":
            assert str(pdu.sender) == value
        elif key == "to":
            assert [str(a) for a in pdu.to] == value
        elif key == "bcc":
            assert [str(a) for a in pdu.bcc] == value
        elif key == "nto":
            assert len(pdu.to) == value
        elif key == "ncc":
            assert len(pdu.cc) == value
        elif key == "min_cc":
            assert len(pdu.cc) >= value
        elif key == "sender_charset":
            assert pdu.sender is not None and pdu.sender.charset == value
        elif key == "to_charset":
            assert pdu.to[0].charset == value
        elif key == "ct":
            assert pdu.content_type is not None and pdu.content_type.media_type == value
        elif key == "params":
            assert pdu.content_type is not None and pdu.content_type.params == value
        elif key in ("start", "type"):
            assert pdu.content_type is not None and pdu.content_type.get(key) == value
        elif key == "part_types":
            assert len(pdu.parts) == len(value)
            for part, media in zip(pdu.parts, value, strict=False):
                assert media is None or part.content_type.media_type == media
        elif key == "nparts":
            assert len(pdu.parts) == value
        elif key == "texts":
            for i, text in value.items():
                assert pdu.parts[i].text == text
        elif key == "text_contains":
            assert any(value in (p.text or "") for p in pdu.parts)
        elif key == "names":
            for i, name in value.items():
                assert pdu.parts[i].name == name
        elif key == "charsets":
            for i, charset in value.items():
                assert pdu.parts[i].charset == charset
        elif key == "content_ids":
            for i, cid in value.items():
                assert pdu.parts[i].content_id == cid
        elif key == "content_locations":
            for i, loc in value.items():
                assert pdu.parts[i].content_location == loc
        elif key == "sizes":
            for i, size in value.items():
                assert pdu.parts[i].size == size
        elif key == "min_size":
            for i, size in value.items():
                assert pdu.parts[i].size >= size
        elif key == "long_location":
            i, length = value
            assert len(pdu.parts[i].content_location or "") == length
        elif key == "smil_mentions":
            smil = next(p for p in pdu.parts if p.content_type.media_type == "application/smil")
            assert value in (smil.text or "")
        elif key == "extra_names":
            assert [h.name for h in pdu.extra_headers] == value
        elif key == "length":
            assert len(data) == value
        elif key == "location_prefix":
            assert (pdu.content_location or "").startswith(value)
        elif key == "response_text_contains":
            assert value in (pdu.response_text or "")
        elif key == "subject_endswith":
            assert (pdu.subject or "").endswith(value)
        elif key == "exact_reencode":
            assert encode_mms(pdu) == data
        else:  # pragma: no cover - a typo in FACTS
            raise AssertionError(f"unknown fact {key}")


def _params(kind: str) -> list[Any]:
    if not ROWS:
        return [pytest.param(None, marks=pytest.mark.skip(reason=ABSENT))]
    return [pytest.param(r, id=r["file"]) for r in ROWS if r["file"].startswith(kind) and r["file"] not in MALFORMED]


def test_every_manifest_row_has_transcribed_facts() -> None:
    if not ROWS:
        pytest.skip(ABSENT)
    files = {r["file"] for r in ROWS}
    assert files == set(FACTS) | set(PUSH_FACTS) | MALFORMED


@pytest.mark.parametrize("row", _params("mms/"))
def test_mms_capture_decodes_with_manifest_facts(row: dict[str, str]) -> None:
    data = (CORPUS / row["file"]).read_bytes()
    pdu = decode_mms(data)
    assert pdu.message_type.spec_name == row["kind"]
    _check(pdu, FACTS[row["file"]], data)


@pytest.mark.parametrize("row", _params("mms/"))
def test_mms_capture_reencodes_to_the_same_message(row: dict[str, str]) -> None:
    pdu = decode_mms((CORPUS / row["file"]).read_bytes())
    assert decode_mms(encode_mms(pdu, strict=False)) == pdu


@pytest.mark.parametrize("row", _params("wsp/"))
def test_wsp_push_capture_decodes_with_manifest_facts(row: dict[str, str]) -> None:
    data = (CORPUS / row["file"]).read_bytes()
    facts = dict(PUSH_FACTS[row["file"]])
    push = decode_push(data)
    assert push.pdu_type == 0x06
    if "length" in facts:
        assert len(data) == facts["length"]
    if "tid" in facts:
        assert push.transaction_id == facts["tid"]
    if "ct" in facts:
        assert push.content_type.media_type == facts["ct"]
    if "app_id" in facts:
        assert push.app_id == facts["app_id"]
    if "body" in facts:
        assert len(push.body) == facts["body"]
    if "header_names" in facts:
        assert [h.name for h in push.headers] == facts["header_names"]
    if "params" in facts:
        assert [k for k, _ in push.content_type.params] == facts["params"]
    if "initiator" in facts:
        assert any(h.name == "X-Wap-Initiator-URI" and h.value == facts["initiator"] for h in push.headers)
    assert bool(push.notes) == bool(facts.get("notes"))
    inner = facts.get("mms")
    assert push.is_mms == (inner is not None)
    if inner is not None:
        pdu = decode_mms(push.body)
        assert pdu.message_type.spec_name == "m-notification-ind"
        _check(pdu, inner, push.body)
        assert decode_mms(encode_mms(pdu, strict=False)) == pdu


def test_aosp_headers_length_zero_is_refused_at_its_offset() -> None:
    path = CORPUS / "wsp/aosp-wappush-blocked-number-headerslen0.wsp"
    if not path.is_file():
        pytest.skip(ABSENT)
    with pytest.raises(PduError) as info:
        decode_push(path.read_bytes())
    assert info.value.offset == 2  # the HeadersLen octet after TID and PDU type
    assert "headers length" in info.value.reason
    # The M-Notification.ind inside: its From value-length (8) ends inside the address.
    data = path.read_bytes()
    inner = data[data.index(b"\x00\x8c\x82") + 1 :]
    with pytest.raises(PduError) as info:
        decode_mms(inner)
    assert inner[info.value.offset - 3 : info.value.offset] == b"\x89\x08\x80"  # From, length 8, address-present
    assert "end of its field" in info.value.reason


def test_mms_captures_truncated_anywhere_say_where_they_end() -> None:
    if not ROWS:
        pytest.skip(ABSENT)
    for name in ("mms/pm-openwave-send-req.mms", "mms/mmsd-rc-mms-1-3-con-211.mms", "mms/jolla-codec-m-notification-1-ind.mms"):
        data = (CORPUS / name).read_bytes()
        for cut in range(1, len(data) - 1, 7):
            try:
                decode_mms(data[:cut])
            except PduError as exc:
                assert exc.offset is not None and 0 <= exc.offset <= cut, (name, cut, exc)


