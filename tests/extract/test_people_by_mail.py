"""A name written with a mail address is a person: "Ada Lovelace <ada@example.org>".

Found on the copyright files Debian ships (real, written by others): hundreds of people
named as "Copyright: 2015 Name <name@host>" became Topics.  The fixture is written for
this test in the machine-readable copyright format.
"""

from __future__ import annotations

from pathlib import Path

from dossier.evals.pipeline import extract_folder


def test_a_name_with_a_mail_address_is_a_stakeholder(tmp_path: Path) -> None:
    for package in ("tidegauge", "harbourlog", "quaymap"):
        (tmp_path / f"{package}-copyright").write_text(
            f"Upstream-Name: {package}\n\nFiles: *\n"
            "Copyright: 2019-2024 Ada Lovelace <ada@example.org>\n 2021 Brunel Works Ltd\n"
            "License: MIT\n\nFiles: debian/*\nCopyright: 2020 Grace Hopper (grace@example.net)\n"
            "License: MIT\n", encoding="utf-8")
    types = {c.title: c.type for c in extract_folder(tmp_path)[1]}
    assert types["Ada Lovelace"] == "Stakeholder"
    assert types["Grace Hopper"] == "Stakeholder"
    assert types["Brunel Works Ltd"] != "Stakeholder"  # no address: no person evidence


def test_a_product_or_a_role_address_is_no_person(tmp_path: Path) -> None:
    """"Report bugs to GNU Make <bug-make@gnu.org>": a product, written to a role address."""
    for package in ("make", "makeinfo", "remake"):
        (tmp_path / f"{package}-README").write_text(
            f"{package} builds programs.\n\nReport bugs to GNU Make <bug-make@gnu.org> and "
            "Tide Tables <bugs@tides.example> with the output of the failing run.\n",
            encoding="utf-8")
    types = {c.title: c.type for c in extract_folder(tmp_path)[1]}
    assert types.get("GNU Make", "Topic") != "Stakeholder"
    assert types.get("Tide Tables", "Topic") != "Stakeholder"
