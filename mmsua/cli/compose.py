"""``mmsua compose``: write an M-Send.req (multipart/related with a generated SMIL) to a file.

Each attachment's content type is recognised from its bytes (magic numbers),
not from its file name; text that is valid UTF-8 becomes text/plain;
charset=utf-8. The message is built by the same composer the daemon uses
(mmsua.engine.compose). The result decodes with
``mmsua decode`` and with other MMS implementations (python-messaging is tested).
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import re
import sys
import uuid
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from mmsua import exit_codes


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "compose",
        help="write an M-Send.req with text, attachments and a generated SMIL to a file",
        description=__doc__.split("\n\n", 1)[1] if __doc__ else None,
    )
    p.add_argument("--to", action="append", required=True, metavar="N",
                   help="a recipient: phone number (+E.164 or national digits) or e-mail address; repeat for more")
    p.add_argument("--cc", action="append", default=[], metavar="N", help="a copy recipient; repeat for more")
    p.add_argument("--subject", help="the subject line")
    p.add_argument("--text", help="a text part")
    p.add_argument("--attach", nargs="+", action="extend", default=[], metavar="FILE",
                   help="files to attach (image, audio, video, vCard, any); their type is read from their bytes")
    p.add_argument("--out", required=True, metavar="FILE", help="where to write the PDU (- for standard output)")
    p.add_argument("--max-size", type=int, default=None, metavar="BYTES",
                   help="the carrier's largest message, to warn about (default: mms.max_size from the config file)")
    p.set_defaults(func=run)


# ----------------------------------------------------------------------------- building
# The parts, their content types (read from the bytes), names, SMIL and the PDU come
# from the engine's composer (mmsua.engine.compose), so the CLI and the daemon send
# the same thing; this module only turns command-line words into its inputs.

_PHONE = re.compile(r"\+?[0-9*#]{1,32}")


def recipient(text: str) -> Any:
    """An MMS address from what a person types; ValueError when it is neither a number nor an e-mail."""
    from mmsua.codec.mms import Address

    value = text.strip()
    if "/TYPE=" in value.upper():
        return Address.parse(value)
    compact = re.sub(r"[\s().-]", "", value)
    if _PHONE.fullmatch(compact):
        return Address.phone(compact)
    if re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", value):
        return Address.email(value)
    raise ValueError(f"{text!r} is neither a phone number nor an e-mail address")


def build_send_req(to: Sequence[str], *, cc: Sequence[str] = (), subject: str | None = None,
                   text: str | None = None, attachments: Sequence[tuple[str, bytes]] = (),
                   transaction_id: str | None = None, date: datetime | None = None) -> Any:
    """An M-Send.req MmsPdu: SMIL first (the multipart/related start), then the text, then attachments."""
    from mmsua.engine.compose import Attachment, SendRequest, build_parts, send_req

    to_addresses = tuple(recipient(n) for n in to)
    cc_addresses = tuple(recipient(n) for n in cc)
    parts = build_parts(text, [Attachment(data, os.path.basename(name)) for name, data in attachments])
    when = (date or datetime.now(timezone.utc)).replace(microsecond=0)
    request = SendRequest(transaction_id or uuid.uuid4().hex[:16], to=tuple(a.value for a in to_addresses),
                          cc=tuple(a.value for a in cc_addresses), subject=subject, date=when.timestamp())
    # The engine reads plain numbers and e-mails; the CLI also takes /TYPE= forms, so its own addresses stand.
    return dataclasses.replace(send_req(request, parts), to=to_addresses, cc=cc_addresses)


def run(args: argparse.Namespace) -> int:
    from mmsua.codec.errors import PduError
    from mmsua.codec.mms import encode_mms

    attachments: list[tuple[str, bytes]] = []
    for path in args.attach:
        try:
            attachments.append((path, Path(path).read_bytes()))
        except OSError as exc:
            print(f"mmsua compose: cannot read {path}: {exc.strerror or exc}", file=sys.stderr)
            return exit_codes.USAGE
    if not args.text and not attachments and not args.subject:
        print("mmsua compose: nothing to send: give --text, --attach or --subject", file=sys.stderr)
        return exit_codes.USAGE
    try:
        pdu = build_send_req(args.to, cc=args.cc, subject=args.subject, text=args.text, attachments=attachments)
        data = encode_mms(pdu)
    except ValueError as exc:  # a bad recipient; PduError is a ValueError too
        kind = "cannot encode" if isinstance(exc, PduError) else "bad recipient"
        print(f"mmsua compose: {kind}: {exc}", file=sys.stderr)
        return exit_codes.FAILURE if isinstance(exc, PduError) else exit_codes.USAGE
    try:
        if args.out == "-":
            sys.stdout.buffer.write(data)
            sys.stdout.buffer.flush()
        else:
            Path(args.out).write_bytes(data)
    except OSError as exc:
        print(f"mmsua compose: cannot write {args.out}: {exc.strerror or exc}", file=sys.stderr)
        return exit_codes.IOERR
    if args.out != "-":
        kinds = ", ".join(p.content_type.media_type for p in pdu.parts)
        print(f"wrote {args.out}: m-send-req, {len(data)} octets, parts: {kinds}")
    limit = args.max_size or _configured_max_size()
    if len(data) > limit:
        # compose writes exactly what it was given; the daemon fits pictures to the limit when it sends.
        print(f"mmsua compose: warning: {len(data):,} octets is over the carrier's limit of {limit:,} (mms.max_size); "
              "an MMSC refuses or truncates a message that large", file=sys.stderr)
    return exit_codes.OK


def _configured_max_size() -> int:
    from mmsua import config

    try:
        return int(config.load()["mms.max_size"])
    except config.ConfigError:  # a broken config file is `mmsua config`'s to report; warn against the default
        return config.DEFAULT_MAX_SIZE
