"""How the emulated modem is put together: handler groups in one table per dialect, no
import cycle, and the public events tests wait on instead of reading its internals."""

from __future__ import annotations

import pytest
from sim_at_host import open_handset

from mmsua.sim.modem.commands import CommandGroup, CommandTable, Request
from mmsua.sim.modem.core import command_table
from mmsua.sim.modem.profiles import PROFILES, get_dialect


def test_no_module_of_the_simulator_imports_one_that_imports_it_back():
    grimp = pytest.importorskip("grimp")
    graph = grimp.build_graph("mmsua", include_external_packages=False)
    sim = sorted(m for m in graph.modules if m.startswith("mmsua.sim"))
    cycles = [(a, b) for a in sim for b in graph.find_modules_directly_imported_by(a)
              if b.startswith("mmsua.sim") and graph.chain_exists(importer=b, imported=a)]
    assert cycles == []


def test_a_command_answered_by_two_groups_is_refused():
    first: CommandGroup[object] = CommandGroup("first")
    second: CommandGroup[object] = CommandGroup("second")

    def ok(m: object, req: Request) -> list[str]:
        return []

    first.command("+CSQ")(ok)
    second.command("+CSQ")(ok)
    with pytest.raises(ValueError, match=r"\+CSQ"):
        CommandTable([first, second])
    with pytest.raises(ValueError, match="twice"):
        first.command("+CSQ")(ok)


def test_each_dialect_answers_its_vendors_commands_and_no_other_vendors():
    tables = {key: command_table(profile) for key, profile in PROFILES.items()}
    assert tables["quectel-eg25g"].lookup("+QIOPEN") and not tables["simcom-sim7600"].lookup("+QIOPEN")
    assert tables["simcom-sim7600"].lookup("+NETOPEN") and not tables["quectel-eg25g"].lookup("+NETOPEN")
    assert not tables["generic"].lookup("+QIOPEN") and not tables["generic"].lookup("+NETOPEN")
    assert all(table.lookup("+CMGS") and table.lookup("+CGACT") and table.lookup("E") for table in tables.values())
    assert tables["generic"].lookup("^CSQ") is tables["generic"].lookup("+CSQ")  # as the modules read it
    assert get_dialect("quectel").profile is PROFILES["quectel-eg25g"]


def test_a_locked_sim_boots_once_its_pin_is_entered(carrier):
    phone, at = open_handset(carrier, pin="1234")
    assert not phone.modem.booted
    at.cmd("AT+CPIN=1234")
    assert phone.modem.wait_booted(30), "entering the PIN never finished the boot"
    assert phone.modem.wait_idle(30) and phone.modem.sim_ready and phone.modem.registered


def test_a_reboot_starts_the_boot_over(carrier):
    phone, _ = open_handset(carrier)
    assert phone.modem.booted
    with phone.modem.lock:  # the boot timers need the lock: none can fire before the check
        phone.modem.reboot()
        assert not phone.modem.booted and not phone.modem.sim_ready
    assert phone.modem.wait_booted(30) and phone.modem.sim_ready


def test_a_command_answered_aside_leaves_the_port_alone(carrier):
    phone, at = open_handset(carrier)
    assert phone.modem.answer("AT+CSQ;+CGATT?") == ["+CSQ: 23,99", "+CGATT: 1"]
    with pytest.raises(ValueError, match="prompt"):
        phone.modem.answer("AT+CMGS=20")
    assert len(phone.modem.outbox) == 0 and not [c for c in phone.modem.commands_seen if "CSQ" in c]
    assert at.cmd("AT") == b"\r\nOK\r\n"  # still in command mode, nothing left over
