"""MMS encapsulation (OMA-TS-MMS_ENC 1.0-1.3): typed decode and encode of MMS PDUs.

    >>> pdu = decode_mms(data)
    >>> pdu.message_type.spec_name
    'm-retrieve-conf'
    >>> encode_mms(pdu) == data  # not always byte-identical, but decodes to the same PDU
"""

from __future__ import annotations

from mmsua.codec.errors import PduError
from mmsua.codec.mms.decode import decode_mms
from mmsua.codec.mms.encode import REQUIRED, encode_mms
from mmsua.codec.mms.pdu import (
    Address,
    Expiry,
    MessageType,
    MmsPdu,
    read_status_meaning,
    read_status_name,
    response_status_meaning,
    response_status_name,
    retrieve_status_meaning,
    retrieve_status_name,
    status_meaning,
    status_name,
)
from mmsua.codec.multipart import Part
from mmsua.codec.wsp import ContentType, Header

__all__ = [
    "decode_mms", "encode_mms", "REQUIRED", "MmsPdu", "Part", "Address", "ContentType", "Header",
    "MessageType", "Expiry", "PduError",
    "status_name", "status_meaning", "response_status_name", "response_status_meaning",
    "retrieve_status_name", "retrieve_status_meaning", "read_status_name", "read_status_meaning",
]
