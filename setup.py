"""Package discovery for setuptools.

The repository keeps the driver layer in ``drivers/`` and the TUI in ``tui/``
(the design card's top level), but they install as ``mmsua.drivers`` and
``mmsua.tui``. Every sub-package below those folders is found here, so adding
one needs no edit to the build configuration.
"""

from pathlib import Path

from setuptools import setup

ROOTS = {"mmsua": "mmsua", "mmsua.drivers": "drivers", "mmsua.tui": "tui"}


def _packages(name: str, folder: str) -> list[str]:
    found = []
    for init in sorted(Path(folder).rglob("__init__.py")):
        rel = init.parent.relative_to(folder)
        found.append(".".join((name, *rel.parts)) if rel.parts else name)
    return found


setup(
    packages=[pkg for name, folder in ROOTS.items() for pkg in _packages(name, folder)],
    package_dir=ROOTS,
    package_data={"mmsua": ["data/*"], "mmsua.carriers": ["rules.json"], "mmsua.tui": ["*.tcss"]},
)
