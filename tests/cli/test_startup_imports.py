"""Client commands start without loading the engine: what a command imports is what
it costs before it prints anything (issue #13: `mmsua decode` and `ls` were slow
because every subcommand's registration pulled in the engine through the client)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

# Runs one command in a fresh interpreter and prints the modules it loaded (json is
# imported for the printing only after the command has run).
PROBE = """
import sys
from mmsua.cli.main import main
status = main(sys.argv[1:])
loaded = sorted(sys.modules)
import json
print(json.dumps(loaded), file=sys.stderr)
"""

ENGINE = ("mmsua.engine.agent", "mmsua.engine.runner", "mmsua.engine.compose", "mmsua.store", "mmsua.drivers")


def _loaded(*args: str) -> list[str]:
    done = subprocess.run([sys.executable, "-c", PROBE, *args], capture_output=True, text=True, timeout=120)
    return [m for m in json.loads(done.stderr.strip().splitlines()[-1]) if m.startswith("mmsua")]


def _all_loaded(*args: str) -> set[str]:
    done = subprocess.run([sys.executable, "-c", PROBE, *args], capture_output=True, text=True, timeout=120)
    return set(json.loads(done.stderr.strip().splitlines()[-1]))


def _other_subcommands(loaded: list[str] | set[str], own: str) -> list[str]:
    """CLI modules of other subcommands (each command registers only its own parser)."""
    return [m for m in loaded if m.startswith("mmsua.cli.") and m not in ("mmsua.cli.main", f"mmsua.cli.{own}")]


def _a_notification(tmp_path: Path) -> Path:
    # The smallest M-Notification.ind: type, transaction id, version, content location.
    pdu = b"\x8c\x82\x98t1\x00\x8d\x92\x83http://mmsc.example/1\x00"
    path = tmp_path / "n.mms"
    path.write_bytes(pdu)
    return path


def test_decode_loads_no_engine_no_client(tmp_path: Path) -> None:
    loaded = _loaded("decode", str(_a_notification(tmp_path)))
    assert "mmsua.codec.mms" in loaded  # it did decode
    assert not [m for m in loaded if m.startswith(ENGINE)], loaded
    assert "mmsua.daemon.client" not in loaded


@pytest.mark.parametrize("command", [["ls"], ["status"], ["show", "1"]])
def test_client_commands_load_the_client_but_not_the_engine(command: list[str], tmp_path: Path) -> None:
    loaded = _loaded(*command, "--socket", str(tmp_path / "none.sock"))  # no daemon: it fails, after importing
    assert "mmsua.daemon.client" in loaded
    assert not [m for m in loaded if m.startswith(ENGINE)], loaded


def test_decode_of_an_mms_file_loads_only_the_mms_codec(tmp_path: Path) -> None:
    # What `mmsua decode` of an MMS file needs is the MMS codec and the dump; every other
    # module is start-up time (issue 13: under 80 ms for the whole process).
    loaded = _all_loaded("decode", str(_a_notification(tmp_path)))
    assert "mmsua.codec.mms.decode" in loaded
    assert not _other_subcommands(loaded, "decode"), loaded
    unneeded = ("mmsua.config", "mmsua.daemon", "mmsua.api", "mmsua.codec.sms", "mmsua.codec.reassembly",
                "mmsua.codec.udh", "mmsua.codec.gsm7", "logging", "json", "hashlib", "tomllib", "socket")
    assert not [m for m in loaded if m.startswith(unneeded)], sorted(m for m in loaded if m.startswith(unneeded))


def test_decode_of_sms_loads_the_sms_layer_but_no_other_command(tmp_path: Path) -> None:
    path = tmp_path / "n.hex"
    path.write_text("0791447758100650400E80885810000000810004016082415464408C0C08049F8E020105040B8423F001062261"
                    "70706C69636174696F6E2F766E642E7761702E6D6D732D6D65737361676500AF848C82984E4F4B3543694B636F544D59"
                    "5347344D4253774141734B7631344655484141414141414141008D908919802B3434373738353334323734392F545950"
                    "453D504C4D4E008A808E0274008805810301194083687474703A2F\n")
    loaded = _all_loaded("decode", str(path))
    assert "mmsua.codec.sms" in loaded
    assert not _other_subcommands(loaded, "decode"), loaded
    assert not [m for m in loaded if m.startswith(("mmsua.config", "mmsua.daemon", "mmsua.api", "logging", "tomllib"))]


@pytest.mark.parametrize(("command", "own"), [(["ls"], "ls"), (["status"], "status"), (["show", "1"], "show")])
def test_client_commands_load_no_other_subcommand(command: list[str], own: str, tmp_path: Path) -> None:
    loaded = _loaded(*command, "--socket", str(tmp_path / "none.sock"))
    assert not _other_subcommands(loaded, own), loaded
    assert "mmsua.config" not in loaded


@pytest.mark.parametrize("command", [["ls"], ["ls", "3"], ["status"], ["show", "1"]])
def test_client_commands_load_neither_the_events_nor_logging(command: list[str], tmp_path: Path) -> None:
    # A command that asks the daemon once needs the shapes of its answer, not the API's
    # events, and it never logs (issue 13: under 80 ms for the whole process).
    loaded = _all_loaded(*command, "--socket", str(tmp_path / "none.sock"))
    assert "mmsua.daemon.client" in loaded and "mmsua.api.shapes" in loaded  # it did get as far as the client
    unneeded = ("mmsua.api.events", "logging", "mmsua.engine", "mmsua.store", "tomllib", "hashlib")
    assert not [m for m in loaded if m.startswith(unneeded)], sorted(m for m in loaded if m.startswith(unneeded))


def test_verbose_client_commands_still_set_up_logging(tmp_path: Path) -> None:
    assert "logging" in _all_loaded("-v", "ls", "--socket", str(tmp_path / "none.sock"))


def test_shared_modules_table_names_what_those_modules_register() -> None:
    """Every CLI module that registers several subcommands (it has COMMANDS) is in the table."""
    import importlib
    import pkgutil

    import mmsua.cli
    from mmsua.cli.main import SHARED_MODULES, SUBCOMMANDS

    shared = [importlib.import_module(f"mmsua.cli.{info.name}") for info in pkgutil.iter_modules(mmsua.cli.__path__)]
    shared = [module for module in shared if hasattr(module, "COMMANDS")]
    assert len(shared) >= 3  # message_actions, blocking, muting
    for module in shared:
        name = module.__name__.rpartition(".")[2]
        assert {c for c, m in SHARED_MODULES.items() if m == name} == set(module.COMMANDS), name
    assert set(SHARED_MODULES) <= set(SUBCOMMANDS)


@pytest.mark.parametrize("argv", [["--help"], ["-h", "decode"], ["-v", "--help"]])
def test_help_still_lists_every_subcommand(argv: list[str]) -> None:
    done = subprocess.run([sys.executable, "-m", "mmsua", *argv], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0
    for name in ("daemon", "decode", "ls", "status", "fetch", "block", "doctor"):
        assert name in done.stdout


def test_a_subcommand_runs_with_options_before_it(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "mmsua", "-v", "decode", str(_a_notification(tmp_path))],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and "m-notification-ind" in done.stdout
    wrong = subprocess.run([sys.executable, "-m", "mmsua", "decod", "x"], capture_output=True, text=True, timeout=120)
    assert wrong.returncode == 2 and "invalid choice" in wrong.stderr and "decode" in wrong.stderr
