"""`mmsua doctor` on the ModemManager backend: the same questions, asked of ModemManager.

Steps: the modem ModemManager manages (identify), its SIM, registration, signal,
SMS (Messaging offered), the MMS bearer (used as it is when one is connected on
the MMS APN, else created, connected, and afterwards disconnected and deleted),
and one HTTP request to the MMSC over it, as the AT path makes it.
"""

from __future__ import annotations

from typing import Any

STEPS = ["identify", "sim", "registration", "signal", "sms", "mms-context", "mmsc"]


def run(doctor: Any) -> None:
    """Adds the checks to ``doctor`` (a mmsua.cli.doctor._Doctor)."""
    from mmsua.cli.doctor import FAIL, OK, WARN
    from mmsua.drivers.modemmanager.bus import DbusError
    from mmsua.drivers.modemmanager.client import ModemManagerClient

    cfg = doctor.config
    try:
        client = ModemManagerClient.connect(cfg["modem.mm_bus"])
    except DbusError as error:
        doctor.add("identify", FAIL, str(error), "is ModemManager running? `systemctl status ModemManager`")
        return
    try:
        modem = next((m for m in client.modems() if m.serves(cfg["modem.port"])), None)
        if modem is None:
            doctor.add("identify", FAIL, "ModemManager manages no modem" + (f" at {cfg['modem.port']}" if cfg["modem.port"] else ""),
                       "`mmcli -L` lists its modems; plug the modem in, or give --port one of its ports")
            return
        doctor.add("identify", OK, f"{modem.manufacturer} {modem.model} ({modem.revision}), IMEI {modem.imei}; "
                   f"ModemManager {modem.path}, port {modem.primary_port}")
        sim = client.sim(modem.sim) if modem.sim else None
        if sim is None or not sim.imsi:
            doctor.add("sim", FAIL, "ModemManager shows no readable SIM", "insert the SIM, or unlock it: `mmcli -i 0 --pin=1234`")
            return
        rules = doctor._carrier_defaults(sim.imsi, sim.spn or None, sim.gid1.hex().upper() or None)
        doctor.add("sim", OK, f"ready; IMSI {sim.imsi[:5]}… (operator {sim.operator_identifier or '?'})"
                   + (f", provider {sim.spn}" if sim.spn else "") + (f", GID1 {sim.gid1.hex().upper()}" if sim.gid1 else "")
                   + f"; carrier rules: {rules}")
        if modem.registration in ("home", "roaming"):
            doctor.add("registration", OK, f"registered ({modem.registration}, operator {modem.operator_name or modem.operator_code})")
        elif modem.registration.startswith("sms-only"):
            doctor.add("registration", WARN, f"registered for SMS only ({modem.registration})",
                       "MMS notifications arrive, but retrieval needs data service")
        else:
            doctor.add("registration", FAIL, f"not registered ({modem.registration})", "`mmcli -m any` shows why")
            return
        if modem.signal is None:
            doctor.add("signal", WARN, "unknown", "ModemManager reports none now; MMS may still work")
        else:
            doctor.add("signal", WARN if modem.signal < 15 else OK, f"{modem.signal}%")
        if not modem.has_messaging:
            doctor.add("sms", FAIL, "ModemManager offers no Messaging interface on this modem",
                       "it appears once the SIM is unlocked and the modem enabled (`mmcli -m any -e`)")
            return
        doctor.add("sms", OK, f"Messaging offered; {len(client.messages(modem.path))} SMS on the modem")
        _data_steps(doctor, client, modem.path)
    except DbusError as error:
        done = {c.name for c in doctor.checks}
        doctor.add(next((step for step in STEPS if step not in done), "mmsc"), FAIL, f"ModemManager: {error}")
    finally:
        client.close()


def _data_steps(doctor: Any, client: Any, modem: str) -> None:
    from mmsua.cli.doctor import FAIL, OK, WARN
    from mmsua.drivers.bearers.base import BearerError
    from mmsua.drivers.modemmanager.bearer import MmBearer

    s = doctor.s
    if not s.apn:
        doctor.add("mms-context", FAIL, "no MMS APN given", "give --apn or mms.apn (the carrier's MMS APN)")
        return
    bearer = MmBearer(client, modem, s.apn, ip_type=s.pdp_type, user=s.username or "", password=s.password or "",
                      auth=s.auth, proxy=s.proxy, allowed_hosts=doctor._mmsc_hosts(), reuse=s.context == "auto")
    try:
        bearer.up()
    except BearerError as error:
        doctor.add("mms-context", FAIL, str(error), "check the APN and its username/password (`mmcli -m any` shows the bearers)")
        return
    facts = bearer.facts
    assert facts is not None
    whose = "mmsua's own" if bearer.owned else "already connected, used as it is"
    dns = ", ".join(facts.ip4.dns + facts.ip6.dns) or "none given (the system's)"
    doctor.add("mms-context", OK, f"ModemManager bearer {facts.path} ({whose}) on APN {s.apn}, interface {facts.interface}, "
               f"address {facts.ip4.address or facts.ip6.address or '?'}, DNS {dns}; {s.origin}")
    try:
        doctor._http_step(bearer, s.proxy)
    finally:
        try:
            bearer.down()
        except BearerError as error:
            doctor.add("cleanup", WARN, f"could not release the bearer: {error}")
