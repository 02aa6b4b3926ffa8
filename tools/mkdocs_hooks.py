"""MkDocs hooks of the documentation site (``mkdocs.yml`` names this file).

The README and ARCHITECTURE.md stay where readers of the repository find them; the site
takes them as its home page and its architecture page, with the links that point into
``docs/`` rewritten to the site's own pages. The notebooks of ``examples/`` become pages
under ``examples/`` (rendered by mkdocs-jupyter from their saved outputs).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from mkdocs.plugins import event_priority
from mkdocs.structure.files import File, Files

ROOT = Path(__file__).resolve().parent.parent

#: Files outside ``docs/`` that become pages: repository path -> page path.
PAGES = {"README.md": "index.md", "ARCHITECTURE.md": "architecture.md"}


def site_markdown(text: str) -> str:
    """``text`` with repository links made site links (``docs/x.md`` -> ``x.md``)."""
    text = re.sub(r"\]\(docs/([^)]+)\)", r"](\1)", text)
    text = text.replace("](ARCHITECTURE.md)", "](architecture.md)")
    return text


@event_priority(100)  # before mkdocs-jupyter, which turns the notebooks among the files to pages
def on_files(files: Files, config: Any) -> Files:
    """Add the README, ARCHITECTURE.md and the example notebooks as pages."""
    for source, page in PAGES.items():
        content = site_markdown((ROOT / source).read_text(encoding="utf-8"))
        files.append(File.generated(config, page, content=content))
    for notebook in sorted((ROOT / "examples").glob("*.ipynb")):
        # a file of the repository (not a generated one), so that mkdocs-jupyter reads it
        files.append(
            File(
                f"examples/{notebook.name}",
                src_dir=str(ROOT),
                dest_dir=config["site_dir"],
                use_directory_urls=config["use_directory_urls"],
            )
        )
    return files


#: A Sphinx cross-reference role as it comes out of a docstring rendered by mkdocstrings:
#: ``:class:`~a.b.C``` becomes ``:class:<code>~a.b.C</code>``.
ROLE = re.compile(r":(?:py:)?(?:class|func|meth|mod|attr|data|exc|obj):<code>(~?)([\w.]+)</code>")


def sphinx_roles_to_links(html: str) -> str:
    """Turn the docstrings' Sphinx roles into links to the reference (plain code if none).

    The docstrings follow numpydoc, whose cross-references are Sphinx roles; mkdocs-autorefs
    resolves the ``<autoref>`` elements made here once every page is rendered (``optional``:
    a name the site does not document stays plain code, without a warning).
    """

    def link(m: re.Match[str]) -> str:
        name = m.group(2)
        title = name.rsplit(".", 1)[-1] if m.group(1) else name
        return f'<autoref identifier="{name}" optional><code>{title}</code></autoref>'

    return ROLE.sub(link, html)


def on_page_content(html: str, page: Any, config: Any, files: Files) -> str:
    """Links for the Sphinx roles of the docstrings on the reference pages."""
    return sphinx_roles_to_links(html)
