"""The five client pages issue 16 §4 adds: online life, grief, helping someone, work, starting somewhere new.

Each is checked on the real build: it exists and sits in the "For you" nav before "Getting support", reads at
grade 6.0 or lower with no sentence over 20 words and no paragraph over three sentences, carries a "Try this"
box, the crisis box, a handout link to its own PDF, cited references, plain-words inference badges and a
closing section of clinician links; its source types no phone number (numbers live in includes/helplines.yml).
"""
from __future__ import annotations

import re

import pytest
import yaml

from conftest import ROOT, article, soup

from scripts.checks import readability

NEW_PAGES = {
    "online-life-and-belonging": "Online life and belonging",
    "grief-and-belonging": "Grief and belonging",
    "helping-someone-who-feels-left-out": "Helping someone who feels they don't belong",
    "belonging-at-work": "Belonging at work",
    "starting-somewhere-new": "Starting somewhere new",
}
MAX_GRADE = 6.0
CITATION = re.compile(r"\s*\([^()]*\b\d{4}[a-z]?\)\s*[\d,\s]*(?=[.!?]|$)")  # "(Hall, 2018) 1" as rendered


def for_you_nav() -> list[str]:
    nav = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8").replace("!ENV", ""))["nav"]
    section = next(item["For you"] for item in nav if isinstance(item, dict) and "For you" in item)
    return [next(iter(entry.values())) for entry in section]


def body(site, name):
    path = site / "guide" / name / "index.html"
    assert path.exists(), f"/guide/{name}/ was not built"
    return article(path)


def test_pages_exist_with_front_matter():
    for name, title in NEW_PAGES.items():
        path = ROOT / "docs" / "guide" / f"{name}.md"
        assert path.exists(), path
        meta = yaml.safe_load(path.read_text(encoding="utf-8").split("---", 2)[1])
        assert meta["title"] == title, (name, meta["title"])
        assert meta["audience"] == "client" and meta["clinical_review"] == "none", name
        reviewed, next_review = meta["reviewed"], meta["next_review"]  # reviewed again for issue 22 on 2026-12-06
        assert str(reviewed) >= "2026-12-04" and reviewed < next_review <= reviewed.replace(year=reviewed.year + 3), name
        assert len(meta["description"]) <= 160, name


def test_pages_are_in_for_you_before_getting_support():
    pages = for_you_nav()
    support = pages.index("guide/getting-support.md")
    for name in NEW_PAGES:
        src = f"guide/{name}.md"
        assert src in pages, f"{src} is not in the For you nav"
        assert pages.index(src) < support, f"{src} comes after Getting support"


@pytest.mark.parametrize("name", sorted(NEW_PAGES))
def test_reads_at_grade_six_or_lower(site, name):
    page = body(site, name)
    for marker in page.select("sup"):  # citation markers (numbered on client pages) are not words of the sentence
        marker.decompose()
    html = str(page)
    result = readability.measure(html)
    assert result["grade"] <= MAX_GRADE, (name, result["grade"])
    assert not result["long_paragraphs"], (name, result["long_paragraphs"])
    long = [s for b in readability.prose_blocks(html) for s in readability.sentences(b)
            if len(CITATION.sub("", s).split()) > 20]
    assert not long, (name, long)


@pytest.mark.parametrize("name", sorted(NEW_PAGES))
def test_page_furniture(site, name):
    page = body(site, name)
    titles = [t.get_text(strip=True) for t in page.select(".admonition.tip .admonition-title")]
    assert "Try this" in titles, (name, titles)
    box = page.select_one(".crisis-help")
    assert box is not None and "Get help now" in box.get_text(), name
    whole = soup(site / "guide" / name / "index.html")
    link = next((a for a in whole.select("a[href]") if a.get_text(strip=True) == "Download this page as a handout (PDF)"), None)
    assert link is not None, f"{name}: no handout link"
    target = (site / "guide" / name / link["href"]).resolve()
    assert target == (site / "pdf" / "handouts" / f"guide-{name}.pdf").resolve(), (name, link["href"])
    assert target.exists(), f"{name}: handout PDF not built"
    assert len(page.select("div.footnote li[id^='fn:ref-']")) >= 3, f"{name}: fewer than three cited sources"
    line = page.select_one("#for-clinicians")  # one quiet line for professionals (issue 22 §2)
    assert line is not None and line.name == "p", name
    links = line.select("a[href]")
    assert len(links) == 1 and all("/clinicians/" in a["href"] or a["href"].startswith("../../clinicians/") for a in links), name
    for badge in page.select("a.evidence-inference"):
        assert badge.get_text().strip().startswith("Our view"), name
    for heading in page.select("h2, h3"):
        assert heading.get("id"), (name, heading.get_text())


def test_safety_where_the_pages_ask_readers_to_act(site):
    online = " ".join(body(site, "online-life-and-belonging").get_text(" ").split())
    assert "Never send money" in online and "Tell someone you trust" in online
    for service in ("Report Fraud", "Police Scotland", "ReportFraud.ftc.gov", "Canadian Anti-Fraud Centre", "Scamwatch"):
        assert service in online, service
    helping = body(site, "helping-someone-who-feels-left-out")
    hrefs = [a["href"] for a in helping.select("a[href]")]
    assert any(h.endswith("get-help-now/#worried-about-someone-else") for h in hrefs), hrefs
    assert "Are you thinking about suicide?" in helping.get_text()
    grief = body(site, "grief-and-belonging")
    assert grief.select_one("#when-to-get-more-help") is not None
    assert any(a["href"].endswith("get-help-now/") for a in grief.select("a[href]"))
    work = " ".join(body(site, "belonging-at-work").get_text(" ").split())
    assert "keep things private" in work.lower() or "never have to share" in work
    new = " ".join(body(site, "starting-somewhere-new").get_text(" ").split())
    assert "public places" in new


def test_no_phone_numbers_typed_in_the_new_pages():
    """Helpline numbers come only from includes/helplines.yml: the page sources carry none."""
    phone = re.compile(r"(?<![\w.,])(\+?\d[\d ]{2,}\d)(?![\w.,])")
    for name in NEW_PAGES:
        text = (ROOT / "docs" / "guide" / f"{name}.md").read_text(encoding="utf-8")
        text = re.sub(r"^---.*?---", "", text, flags=re.S)  # front matter dates
        numbers = [n for n in phone.findall(text) if len(re.sub(r"\D", "", n)) >= 3 and not re.fullmatch(r"\d{2,4}", n)]
        assert not numbers, (name, numbers)
        assert not re.search(r"\b(tel|sms):", text), name
        assert not re.search(r"\b(call|text|dial|ring)\s+\**\d", text, re.I), name
