"""Build hook: an installed wheel carries templates/, static/, migrations/ and compiled
translations inside the ``civic`` package (a source checkout keeps them at the top level)."""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent


class BuildWithResources(build_py):
    def run(self):
        super().run()
        if getattr(self, "editable_mode", False):
            return
        package = Path(self.build_lib) / "civic"
        for name in ("templates", "static", "migrations"):
            shutil.copytree(
                ROOT / name, package / name, dirs_exist_ok=True, ignore=shutil.ignore_patterns("__pycache__")
            )
        from babel.messages.mofile import write_mo
        from babel.messages.pofile import read_po

        for po_path in (ROOT / "civic" / "translations").glob("*/LC_MESSAGES/*.po"):  # messages, wtforms
            locale = po_path.parent.parent.name
            with po_path.open("rb") as f:
                catalog = read_po(f, locale=locale)
            mo_path = package / "translations" / locale / "LC_MESSAGES" / f"{po_path.stem}.mo"
            mo_path.parent.mkdir(parents=True, exist_ok=True)
            with mo_path.open("wb") as f:
                write_mo(f, catalog)


setup(cmdclass={"build_py": BuildWithResources})
