"""The documentation site: its configuration names pages that exist, and its API reference
covers the public facade. Building it (``mkdocs build --strict``) is a step of ``.ci/run``."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

import escalation as esc

ROOT = Path(__file__).resolve().parent.parent
#: Pages the site's hook brings in from elsewhere in the repository.
BROUGHT_IN = {"index.md": "README.md", "architecture.md": "ARCHITECTURE.md"}


def _nav_pages(nav: object) -> list[str]:
    if isinstance(nav, str):
        return [nav]
    if isinstance(nav, dict):
        return [p for v in nav.values() for p in _nav_pages(v)]
    if isinstance(nav, list):
        return [p for v in nav for p in _nav_pages(v)]
    return []


def _config() -> dict:
    # mkdocs.yml may hold python tags in other projects; this one is plain YAML
    return yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))


def test_every_page_in_the_navigation_exists_and_every_guide_is_in_it() -> None:
    pages = _nav_pages(_config()["nav"])
    for page in pages:
        if page in BROUGHT_IN:
            assert (ROOT / BROUGHT_IN[page]).is_file(), page
        elif page.startswith("examples/"):
            assert (ROOT / page).is_file(), page
        else:
            assert (ROOT / "docs" / page).is_file(), page
    guides = {p.relative_to(ROOT / "docs").as_posix() for p in (ROOT / "docs").rglob("*.md")}
    assert guides <= set(pages), f"pages left out of the navigation: {guides - set(pages)}"
    notebooks = {f"examples/{p.name}" for p in (ROOT / "examples").glob("*.ipynb")}
    assert notebooks <= set(pages), f"notebooks left out: {notebooks - set(pages)}"


def test_the_api_reference_covers_every_public_name() -> None:
    text = "\n".join(p.read_text() for p in (ROOT / "docs" / "reference").glob("*.md"))
    documented = set(re.findall(r"^::: escalation\.(?:[\w.]+\.)?(\w+)$", text, re.M))
    plot = re.search(r"::: escalation\.plot\n(.*?)(?:\n\n|\Z)", text, re.S)
    assert plot is not None
    public = {n for n in esc.__all__ if n != "__version__"} | {"plot"}
    missing = public - documented - {"plot"}
    assert not missing, f"public names without a reference entry: {sorted(missing)}"
    listed = set(re.findall(r"^\s+- (\w+)$", plot.group(1), re.M))
    assert set(esc.plot.__all__) - {"OUTCOME_TITLES", "compare"} <= listed
