"""Assigned numbers of OMA-TS-MMS_ENC (1.0-1.3): header fields and value meanings."""

from __future__ import annotations

# Header field names (MMS_ENC §7.4, table "Field Name Assignments"); binary code = value | 0x80.
FIELDS: dict[int, str] = {
    0x01: "Bcc",
    0x02: "Cc",
    0x03: "X-Mms-Content-Location",
    0x04: "Content-Type",
    0x05: "Date",
    0x06: "X-Mms-Delivery-Report",
    0x07: "X-Mms-Delivery-Time",
    0x08: "X-Mms-Expiry",
    0x09: "From",
    0x0A: "X-Mms-Message-Class",
    0x0B: "Message-ID",
    0x0C: "X-Mms-Message-Type",
    0x0D: "X-Mms-MMS-Version",
    0x0E: "X-Mms-Message-Size",
    0x0F: "X-Mms-Priority",
    0x10: "X-Mms-Read-Report",
    0x11: "X-Mms-Report-Allowed",
    0x12: "X-Mms-Response-Status",
    0x13: "X-Mms-Response-Text",
    0x14: "X-Mms-Sender-Visibility",
    0x15: "X-Mms-Status",
    0x16: "Subject",
    0x17: "To",
    0x18: "X-Mms-Transaction-Id",
    0x19: "X-Mms-Retrieve-Status",
    0x1A: "X-Mms-Retrieve-Text",
    0x1B: "X-Mms-Read-Status",
    0x1C: "X-Mms-Reply-Charging",
    0x1D: "X-Mms-Reply-Charging-Deadline",
    0x1E: "X-Mms-Reply-Charging-ID",
    0x1F: "X-Mms-Reply-Charging-Size",
    0x20: "X-Mms-Previously-Sent-By",
    0x21: "X-Mms-Previously-Sent-Date",
    0x22: "X-Mms-Store",
    0x23: "X-Mms-MM-State",
    0x24: "X-Mms-MM-Flags",
    0x25: "X-Mms-Store-Status",
    0x26: "X-Mms-Store-Status-Text",
    0x27: "X-Mms-Stored",
    0x28: "X-Mms-Attributes",
    0x29: "X-Mms-Totals",
    0x2A: "X-Mms-Mbox-Totals",
    0x2B: "X-Mms-Quotas",
    0x2C: "X-Mms-Mbox-Quotas",
    0x2D: "X-Mms-Message-Count",
    0x2E: "Content",
    0x2F: "X-Mms-Start",
    0x30: "Additional-headers",
    0x31: "X-Mms-Distribution-Indicator",
    0x32: "X-Mms-Element-Descriptor",
    0x33: "X-Mms-Limit",
    0x34: "X-Mms-Recommended-Retrieval-Mode",
    0x35: "X-Mms-Recommended-Retrieval-Mode-Text",
    0x36: "X-Mms-Status-Text",
    0x37: "X-Mms-Applic-ID",
    0x38: "X-Mms-Reply-Applic-ID",
    0x39: "X-Mms-Aux-Applic-Info",
    0x3A: "X-Mms-Content-Class",
    0x3B: "X-Mms-DRM-Content",
    0x3C: "X-Mms-Adaptation-Allowed",
    0x3D: "X-Mms-Replace-ID",
    0x3E: "X-Mms-Cancel-ID",
    0x3F: "X-Mms-Cancel-Status",
}
FIELD_CODES: dict[str, int] = {name.lower(): code for code, name in FIELDS.items()}

BCC, CC, CONTENT_LOCATION, CONTENT_TYPE, DATE, DELIVERY_REPORT, DELIVERY_TIME, EXPIRY, FROM = range(1, 10)
MESSAGE_CLASS, MESSAGE_ID, MESSAGE_TYPE, MMS_VERSION, MESSAGE_SIZE, PRIORITY, READ_REPORT = range(10, 17)
REPORT_ALLOWED, RESPONSE_STATUS, RESPONSE_TEXT, SENDER_VISIBILITY, STATUS, SUBJECT, TO = range(17, 24)
TRANSACTION_ID, RETRIEVE_STATUS, RETRIEVE_TEXT, READ_STATUS = range(24, 28)

# X-Mms-Message-Type values (§7.3.30).
MESSAGE_TYPES: dict[int, str] = {
    0x80: "m-send-req",
    0x81: "m-send-conf",
    0x82: "m-notification-ind",
    0x83: "m-notifyresp-ind",
    0x84: "m-retrieve-conf",
    0x85: "m-acknowledge-ind",
    0x86: "m-delivery-ind",
    0x87: "m-read-rec-ind",
    0x88: "m-read-orig-ind",
    0x89: "m-forward-req",
    0x8A: "m-forward-conf",
    0x8B: "m-mbox-store-req",
    0x8C: "m-mbox-store-conf",
    0x8D: "m-mbox-view-req",
    0x8E: "m-mbox-view-conf",
    0x8F: "m-mbox-upload-req",
    0x90: "m-mbox-upload-conf",
    0x91: "m-mbox-delete-req",
    0x92: "m-mbox-delete-conf",
    0x93: "m-mbox-descr",
    0x94: "m-delete-req",
    0x95: "m-delete-conf",
    0x96: "m-cancel-req",
    0x97: "m-cancel-conf",
}

MESSAGE_CLASSES: dict[int, str] = {0x80: "personal", 0x81: "advertisement", 0x82: "informational", 0x83: "auto"}
PRIORITIES: dict[int, str] = {0x80: "low", 0x81: "normal", 0x82: "high"}
SENDER_VISIBILITIES: dict[int, str] = {0x80: "hide", 0x81: "show"}
YES, NO = 0x80, 0x81

# X-Mms-Status (§7.3.54): name and meaning.
STATUS_VALUES: dict[int, tuple[str, str]] = {
    0x80: ("expired", "The message expired before it could be delivered."),
    0x81: ("retrieved", "The message was retrieved by the recipient."),
    0x82: ("rejected", "The recipient rejected the message."),
    0x83: ("deferred", "The recipient deferred retrieval of the message."),
    0x84: ("unrecognised", "The MMSC or recipient did not recognise the message."),
    0x85: ("indeterminate", "Delivery status cannot be determined (e.g. delivered to a non-MMS system)."),
    0x86: ("forwarded", "The recipient forwarded the message without retrieving it."),
    0x87: ("unreachable", "The recipient could not be reached."),
}

# X-Mms-Response-Status (§7.3.48): name and meaning. 0x81-0x88 are the obsolete 1.0 codes.
RESPONSE_STATUS_VALUES: dict[int, tuple[str, str]] = {
    0x80: ("ok", "Ok."),
    0x81: ("error-unspecified", "Unspecified error."),
    0x82: ("error-service-denied", "The service was denied."),
    0x83: ("error-message-format-corrupt", "The message format was corrupt."),
    0x84: ("error-sending-address-unresolved", "The sending address could not be resolved."),
    0x85: ("error-message-not-found", "The message was not found."),
    0x86: ("error-network-problem", "A network problem prevented the request."),
    0x87: ("error-content-not-accepted", "The content was not accepted."),
    0x88: ("error-unsupported-message", "The message type is not supported by the MMSC."),
    0xC0: ("error-transient-failure", "A temporary failure; the request may succeed if tried again."),
    0xC1: ("error-transient-sending-address-unresolved", "The sending address could not be resolved for now; try again later."),
    0xC2: ("error-transient-message-not-found", "The message was not found for now; try again later."),
    0xC3: ("error-transient-network-problem", "A temporary network problem; try again later."),
    0xC4: ("error-transient-partial-success", "Only some recipients were reached; the rest may succeed later."),
    0xE0: ("error-permanent-failure", "A permanent failure; the request will not succeed if repeated."),
    0xE1: ("error-permanent-service-denied", "The service was denied (permanent)."),
    0xE2: ("error-permanent-message-format-corrupt", "The MMSC found the message format corrupt (permanent)."),
    0xE3: ("error-permanent-sending-address-unresolved", "The sending address could not be resolved (permanent)."),
    0xE4: ("error-permanent-message-not-found", "The message was not found (permanent)."),
    0xE5: ("error-permanent-content-not-accepted", "The content was not accepted: size, media type, copyright or similar (permanent)."),
    0xE6: ("error-permanent-reply-charging-limitations-not-met", "The reply-charging limits were not met (permanent)."),
    0xE7: ("error-permanent-reply-charging-request-not-accepted", "The reply-charging request was not accepted (permanent)."),
    0xE8: ("error-permanent-reply-charging-forwarding-denied", "Forwarding a reply-charged message was denied (permanent)."),
    0xE9: ("error-permanent-reply-charging-not-supported", "Reply charging is not supported (permanent)."),
    0xEA: ("error-permanent-address-hiding-not-supported", "Hiding the sender's address is not supported (permanent)."),
    0xEB: ("error-permanent-lack-of-prepaid", "The prepaid account lacks credit (permanent)."),
}

# X-Mms-Retrieve-Status (§7.3.50).
RETRIEVE_STATUS_VALUES: dict[int, tuple[str, str]] = {
    0x80: ("ok", "Ok."),
    0xC0: ("error-transient-failure", "A temporary failure; retrieving again may succeed."),
    0xC1: ("error-transient-message-not-found", "The message was not found for now; retrieving later may succeed."),
    0xC2: ("error-transient-network-problem", "A temporary network problem; retrieving later may succeed."),
    0xE0: ("error-permanent-failure", "A permanent failure; the message cannot be retrieved."),
    0xE1: ("error-permanent-service-denied", "Retrieval was denied (permanent)."),
    0xE2: ("error-permanent-message-not-found", "The message was not found (permanent)."),
    0xE3: ("error-permanent-content-unsupported", "The content cannot be delivered to this handset (permanent)."),
}

# X-Mms-Read-Status (§7.3.46).
READ_STATUS_VALUES: dict[int, tuple[str, str]] = {
    0x80: ("read", "The message was read."),
    0x81: ("deleted-without-being-read", "The message was deleted without being read."),
}
