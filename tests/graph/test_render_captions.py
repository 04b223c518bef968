"""The gallery's captions are true: every sentence of every caption is checked against
the numbers behind its picture (visuals/build_gallery.py pairs each sentence with its
check), and visuals/README.md carries one caption per picture, as the gallery writes it.
"""
import os
import re
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, ROOT)
from visuals.build_gallery import GALLERY, SCREENSHOTS  # noqa: E402

VISUALS = os.path.join(ROOT, "visuals")


@pytest.mark.parametrize("entry", GALLERY, ids=[e.name for e in GALLERY])
def test_every_sentence_of_the_caption_holds(entry, tmp_path):
    facts = entry.draw(str(tmp_path / entry.name))
    sentences = entry.describe(facts)
    assert sentences
    for sentence, holds in sentences:
        assert holds, f"{entry.name}: {sentence}"
    assert (tmp_path / entry.name).stat().st_size > 1000


def test_the_gallery_readme_has_one_caption_per_picture():
    text = open(os.path.join(VISUALS, "README.md")).read()
    shown = re.findall(r"!\[[^\]]*\]\(([\w.]+)\)", text)
    assert shown == [entry.name for entry in GALLERY] + [shot.name for shot in SCREENSHOTS]
    pictures = sorted(f for f in os.listdir(VISUALS) if f.endswith((".svg", ".png")))
    assert pictures == sorted(shown)
    sections = text.split("\n## ")[1:]
    assert len(sections) == len(GALLERY) + len(SCREENSHOTS)
    for section in sections:
        caption = section.split("\n\n")[1]
        assert len(caption) > 40 and not caption.startswith("!")


def test_a_caption_that_its_numbers_do_not_back_is_refused(monkeypatch, capsys):
    """build_gallery writes no README when a sentence does not hold."""
    import visuals.build_gallery as gallery
    entry = gallery.Entry("x.svg", lambda path: {}, lambda facts: [("All is well.", False)])
    monkeypatch.setattr(gallery, "GALLERY", [entry])
    monkeypatch.setattr(gallery, "HERE", "/nonexistent-dir-for-the-test")
    assert gallery.main() == 1
    assert "x.svg: the caption says what the picture does not show: All is well." in \
        capsys.readouterr().out
