"""Where `realtymedia upload` takes each setting from: a flag, else the environment, else the config file."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from realtymedia_client.upload import SETTINGS, add_arguments, expand, resolve


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    return parser.parse_args(["--realty", "r1", *argv, "photo.jpg"])


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in [*SETTINGS.values(), "REALTYMEDIA_CONFIG", "XDG_CONFIG_HOME"]:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    config = tmp_path / ".config" / "realtymedia" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text('url = "http://from-file"\ntoken = "file-token"\nparallel = 7\n')
    return tmp_path


def test_flag_beats_environment_beats_file_beats_default(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert resolve(parse()) == {"url": "http://from-file", "token": "file-token", "parallel": 7, "format": "json"}
    monkeypatch.setenv("REALTYMEDIA_TOKEN", "env-token")
    monkeypatch.setenv("REALTYMEDIA_PARALLEL", "2")
    assert resolve(parse())["token"] == "env-token"
    assert resolve(parse())["parallel"] == 2
    assert resolve(parse("--token", "flag-token", "--parallel", "3"))["token"] == "flag-token"
    assert resolve(parse("--parallel", "3"))["parallel"] == 3


def test_another_config_file(home: Path, tmp_path: Path) -> None:
    other = tmp_path / "other.toml"
    other.write_text('url = "http://other"\n')
    assert resolve(parse("--config", str(other)))["url"] == "http://other"
    with pytest.raises(SystemExit, match="does not exist"):
        resolve(parse("--config", str(tmp_path / "missing.toml")))


def test_folders_expand_to_their_files_in_name_order(tmp_path: Path) -> None:
    for name in ("b.jpg", "a.jpg", ".hidden.jpg", "c.jpg~"):
        (tmp_path / name).write_bytes(b"x")
    (tmp_path / "sub").mkdir()
    assert expand([tmp_path]) == [tmp_path / "a.jpg", tmp_path / "b.jpg"]
