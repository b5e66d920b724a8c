"""The documents users read link to files that exist in the repository (never a path outside
it), and the README links the architecture document."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")


def local_links(doc: Path) -> list[str]:
    return [t for t in LINK.findall(doc.read_text(encoding="utf-8")) if "://" not in t]


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_local_link_of_a_document_names_a_file_inside_the_repository(doc: Path):
    for target in local_links(doc):
        resolved = (doc.parent / target).resolve()
        assert resolved.is_relative_to(ROOT), f"{doc.name} links outside the repository: {target}"
        assert resolved.exists(), f"{doc.name} links to a missing file: {target}"


def test_the_readme_links_the_architecture_document():
    assert "docs/architecture.md" in local_links(ROOT / "README.md")
