"""The layers are a contract: import-linter checks it, and the installed
distribution exposes mmsua.drivers and mmsua.tui (mapped from drivers/ and tui/)."""

from __future__ import annotations

import importlib
import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_mapped_packages_import_from_the_install() -> None:
    drivers = importlib.import_module("mmsua.drivers")
    tui = importlib.import_module("mmsua.tui")
    assert Path(drivers.__file__).parent == ROOT / "drivers"
    assert Path(tui.__file__).parent == ROOT / "tui"


def test_no_generic_top_level_names_are_installed(tmp_path: Path) -> None:
    # Isolated mode (-I) from an unrelated directory sees only what is installed,
    # not the checkout or the test folders pytest puts on sys.path.
    probe = (
        "import importlib.util as u, mmsua.drivers, mmsua.tui;"
        "print(u.find_spec('drivers'), u.find_spec('tui'))"
    )
    result = subprocess.run([sys.executable, "-I", "-c", probe], cwd=tmp_path, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["None", "None"]


def _installed_layout(dest: Path) -> Path:
    """The tree as a wheel installs it: drivers/ and tui/ inside mmsua/.

    import-linter walks packages on disk and cannot follow setuptools'
    package-dir mapping, so it reads this copy.
    """
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(ROOT / "mmsua", dest / "mmsua", ignore=ignore)
    shutil.copytree(ROOT / "drivers", dest / "mmsua" / "drivers", ignore=ignore)
    shutil.copytree(ROOT / "tui", dest / "mmsua" / "tui", ignore=ignore)
    shutil.copy(ROOT / "pyproject.toml", dest / "pyproject.toml")
    return dest


def test_layer_contracts_hold(tmp_path: Path) -> None:
    lint = shutil.which("lint-imports", path=str(Path(sys.executable).parent)) or shutil.which("lint-imports")
    assert lint, "import-linter is a test dependency: pip install -e '.[test]'"
    tree = _installed_layout(tmp_path)
    env = {**os.environ, "PYTHONPATH": str(tree)}
    result = subprocess.run([lint, "--no-cache"], cwd=tree, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_wheel_installs_only_under_mmsua(tmp_path: Path) -> None:
    """A wheel carries drivers/ and tui/ as mmsua/drivers and mmsua/tui, nothing generic."""
    import zipfile

    # Build from a copy: setuptools writes build/ and *.egg-info into the source
    # tree, and two builds of the same tree at once trip over each other.
    source = tmp_path / "src"
    skip = shutil.ignore_patterns(".venv", ".git", "build", "*.egg-info", "__pycache__", ".hypothesis", ".pytest_cache")
    shutil.copytree(ROOT, source, ignore=skip)
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(tmp_path), str(source)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    (wheel,) = tmp_path.glob("mmsua-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    top_levels = {name.split("/", 1)[0] for name in names}
    version = wheel.name.split("-")[1]
    assert top_levels == {"mmsua", f"mmsua-{version}.dist-info"}
    assert "mmsua/drivers/__init__.py" in names
    assert "mmsua/tui/__init__.py" in names
    assert "mmsua/carriers/rules.json" in names  # the carrier rules table travels with the code


def test_every_source_folder_is_a_package() -> None:
    """setup.py ships folders that have an __init__.py; a folder of modules
    without one would work from the checkout and vanish from a wheel."""
    missing = [
        str(folder.relative_to(ROOT))
        for top in ("mmsua", "drivers", "tui")
        for folder in (ROOT / top).rglob("*")
        if folder.is_dir()
        and folder.name != "__pycache__"
        and any(folder.glob("*.py"))
        and not (folder / "__init__.py").exists()
    ]
    assert missing == []


def test_only_the_cli_imports_the_tui(tmp_path: Path) -> None:
    """Any module outside mmsua.cli and mmsua.tui, present or future, that imports the TUI fails."""
    tree = _installed_layout(tmp_path)
    probe = (
        "import grimp\n"
        "graph = grimp.build_graph('mmsua')\n"
        "tui = {m for m in graph.modules if m == 'mmsua.tui' or m.startswith('mmsua.tui.')}\n"
        "for target in sorted(tui):\n"
        "    for importer in sorted(graph.find_modules_that_directly_import(target)):\n"
        "        if not importer.startswith(('mmsua.cli.', 'mmsua.tui')):\n"
        "            print(importer, '->', target)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(tree)}
    result = subprocess.run([sys.executable, "-c", probe], cwd=tree, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
