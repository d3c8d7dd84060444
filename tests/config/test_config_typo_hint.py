"""A config-file typo names the closest known setting and where the list of settings is."""

from __future__ import annotations

from pathlib import Path

import pytest

from mmsua import config
from mmsua.cli.main import main


@pytest.mark.parametrize(
    "text, wrong, meant",
    [
        ('[mms]\nproxi = "10.0.0.1:8080"\n', "mms.proxi", "mms.proxy"),
        ('[mss]\nproxy = "10.0.0.1:8080"\n', "mss.proxy", "mms.proxy"),  # a typo in the section
        ('[modem]\nbaudrat = 9600\n', "modem.baudrat", "modem.baudrate"),
    ],
)
def test_a_typo_suggests_the_closest_known_setting(tmp_path: Path, text: str, wrong: str, meant: str) -> None:
    path = tmp_path / "typo.toml"
    path.write_text(text)
    with pytest.raises(config.ConfigError) as caught:
        config.load(path)
    message = str(caught.value)
    assert f"unknown setting {wrong!r} (did you mean {meant!r}?)" in message
    assert "docs/operations.md" in message


def test_a_name_like_nothing_known_gets_no_guess(tmp_path: Path) -> None:
    path = tmp_path / "odd.toml"
    path.write_text('[zebra]\nstripes = 3\n')
    with pytest.raises(config.ConfigError) as caught:
        config.load(path)
    assert "did you mean" not in str(caught.value)
    assert "unknown setting 'zebra.stripes'" in str(caught.value)


def test_the_message_does_not_send_people_to_a_command_that_refuses_the_same_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "cfg"))  # the user's own file stays out
    path = tmp_path / "typo.toml"
    path.write_text('[mms]\nproxi = "10.0.0.1:8080"\n')
    status = main(["config", "--show", "--config", str(path)])
    err = capsys.readouterr().err
    assert status != 0
    assert "did you mean 'mms.proxy'?" in err
    assert "config --show" not in err  # it would refuse the file all the same
    assert "settings table" in err and "docs/operations.md" in err
