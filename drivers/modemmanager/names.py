"""ModemManager's D-Bus names and the enum values mmsua reads (ModemManager-enums.h,
as the API reference documents them)."""

from __future__ import annotations

SERVICE = "org.freedesktop.ModemManager1"
ROOT = "/org/freedesktop/ModemManager1"
SMS_PATHS = ROOT + "/SMS"  # every Sms object lives under it

MODEM = SERVICE + ".Modem"
MODEM_3GPP = MODEM + ".Modem3gpp"
MESSAGING = MODEM + ".Messaging"
SIMPLE = MODEM + ".Simple"
SMS = SERVICE + ".Sms"
BEARER = SERVICE + ".Bearer"
SIM = SERVICE + ".Sim"

PROPERTIES = "org.freedesktop.DBus.Properties"
OBJECT_MANAGER = "org.freedesktop.DBus.ObjectManager"

# MMSmsState
SMS_STATE_RECEIVING = 2
SMS_STATE_RECEIVED = 3
SMS_STATE_SENT = 5

# MMSmsPduType
PDU_DELIVER = 1
PDU_SUBMIT = 2
PDU_STATUS_REPORT = 3

# MMSmsDeliveryState: the TP-Status values of TS 23.040 9.2.3.15, and 0x100 unknown.
DELIVERY_UNKNOWN = 0x100

# MMModem3gppRegistrationState, in mmsua's words (modem_link's table takes these).
REGISTRATION = {
    0: "idle", 1: "home", 2: "searching", 3: "denied", 4: "unknown", 5: "roaming",
    6: "sms-only-home", 7: "sms-only-roaming", 8: "emergency-only", 9: "home", 10: "roaming", 11: "attached-rlos",
}

# MMBearerIpMethod: PPP means the data port speaks PPP and whoever connected runs pppd.
IP_METHOD_PPP = 1

# MMBearerIpFamily, from mmsua's PDP type.
IP_FAMILY = {"IP": 1, "IPV6": 2, "IPV4V6": 4}

# MMBearerAllowedAuth, from mmsua's APN authentication.
ALLOWED_AUTH = {"none": 1, "pap": 2, "chap": 4}


def delivery_outcome(state: int) -> str:
    """A status report's MMSmsDeliveryState as mmsua's outcome: delivered, pending
    (the SMSC still tries: temporary errors), failed, or unknown."""
    if state == DELIVERY_UNKNOWN or not 0 <= state <= 0xFF:
        return "unknown"
    if state < 0x20:
        return "delivered"
    if state < 0x40:
        return "pending"
    return "failed"
