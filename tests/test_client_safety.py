"""Client pages (issue 16 §2, §3, §5): the plain-words inference badge, the safety cautions where the
pages ask people to act, the honest therapy page, and the research words and idioms kept out."""
from __future__ import annotations

import re

from conftest import article, soup
from test_content import CLINICIAN_PAGES, GUIDE_PAGES

CLIENT_LABEL = "Our view, not a research finding"


def page(site, name):
    return article(site / "guide" / name / "index.html")


def prose(body) -> str:
    """The page's own words: no reference list, crisis box or badges."""
    for node in body.select(".footnote, .crisis-help, .evidence-inference, .headerlink"):
        node.decompose()
    return " ".join(body.get_text(" ").split())


def section_text(body, section_id) -> str:
    """Text from a heading to the next heading of the same or a higher level."""
    heading = body.select_one(f"#{section_id}")
    assert heading is not None, section_id
    level = int(heading.name[1])
    parts = []
    for node in heading.find_all_next():
        if re.fullmatch(r"h[1-6]", node.name or "") and int(node.name[1]) <= level:
            break
        if node.name in ("p", "li"):
            parts.append(node.get_text(" "))
    return " ".join(" ".join(parts).split())


def section_links(body, section_id) -> list[str]:
    """Link targets from a heading to the next heading of the same or a higher level."""
    heading = body.select_one(f"#{section_id}")
    level = int(heading.name[1])
    hrefs = []
    for node in heading.find_all_next():
        if re.fullmatch(r"h[1-6]", node.name or "") and int(node.name[1]) <= level:
            break
        if node.name == "a" and node.has_attr("href"):
            hrefs.append(node["href"])
    return hrefs


# --- the inference badge ---------------------------------------------------------------------------
def test_inference_badge_reads_in_plain_words_on_client_pages(site):
    seen = 0
    for name in GUIDE_PAGES:
        for badge in page(site, name).select("a.evidence-inference"):
            seen += 1
            hidden = badge.select_one(".visually-hidden")
            assert hidden is not None and "no study we cite says this directly" in hidden.get_text().lower(), name
            label = badge.get_text().replace(hidden.get_text(), "").strip()
            assert label == CLIENT_LABEL, (name, label)
            assert "evidence-inference--plain" in badge["class"], name
            assert badge["href"].endswith("about/#evidence-markers"), name
            assert badge["title"].startswith("Our view"), name
    assert seen >= 15, seen


def test_clinician_pages_keep_the_inference_badge(site):
    seen = 0
    for name in CLINICIAN_PAGES:
        for badge in article(site / "clinicians" / name / "index.html").select("a.evidence-inference"):
            seen += 1
            hidden = badge.select_one(".visually-hidden")
            label = badge.get_text().replace(hidden.get_text(), "").strip()
            assert label == "inference", (name, label)
            assert "evidence-inference--plain" not in badge["class"], name
            assert badge["title"].startswith("Clinical inference"), name
    assert seen >= 10, seen


def test_about_legend_explains_the_plain_badge(site):
    legend = soup(site / "about" / "index.html").select_one("#evidence-markers").find_next("table")
    assert CLIENT_LABEL in legend.get_text()


# --- safety cautions where the pages ask people to act ----------------------------------------------
def test_reconnecting_reaches_for_someone_other_than_who_turned_you_away(site):
    body = page(site, "reconnecting-after-rejection")
    step = section_text(body, "one-safe-person")
    assert "other than the person or group who turned you away" in step
    boxes = [box for box in body.select("div.admonition.warning")
             if "hurt, threatened, controlled or frightened" in box.get_text()]
    assert boxes, "no box on people who are not safe to reach for"
    assert boxes[0].select('a[href*="get-help-now/"]'), "the box does not say where to get advice"


def test_reconnecting_says_a_slow_reply_is_not_a_rejection(site):
    text = prose(page(site, "reconnecting-after-rejection"))
    assert "A slow reply is not a rejection" in text
    assert "lick your wounds" not in text


def test_reconnecting_headings_are_our_own_words(site):
    body = page(site, "reconnecting-after-rejection")
    seed_steps = {"Pick one safe person", "Reach out small", "Let yourself receive it", "Widen the base",
                  "A gentle warning"}
    headings = {h.get_text(" ").replace("¶", "").strip() for h in body.select("h2, h3")}
    assert not headings & seed_steps, headings & seed_steps
    for old_id in ("one-safe-person", "reach-out-small", "let-yourself-receive-it", "widen-the-base",
                   "dont-hide-away-for-long", "a-gentle-warning"):
        assert body.select_one(f"#{old_id}") is not None, old_id


def test_controlling_group_signs_where_pages_send_people_to_groups(site):
    for name, section_id in (("building-belonging", "controlling-groups"), ("myths-about-belonging", "unsafe-groups")):
        body = page(site, name)
        heading = body.select_one(f"#{section_id}")
        assert heading is not None, name
        signs = heading.find_next("ul").select("li")
        assert len(signs) >= 3, name
        text = " ".join(li.get_text(" ") for li in signs)
        assert "cut off from friends" in text and "leav" in text and "disagree" in text, (name, text)
        assert any("get-help-now/" in href for href in section_links(body, section_id)), name


def test_disclosure_pages_say_privacy_can_be_the_safe_choice(site):
    for name in ("belonging-vs-fitting-in", "sharing-your-story"):
        text = prose(page(site, name)).lower()
        assert re.search(r"(keeping|hiding) (part|some things|part of yourself)[^.]*\b(safe|wise)", text), name


def test_group_exercise_lets_you_pass_and_has_a_solo_way(site):
    body = page(site, "sharing-your-story")
    tip = [box for box in body.select("div.admonition.tip") if "Try this" in box.get_text()][0]
    text = " ".join(tip.get_text(" ").split())
    assert "You can pass" in text and "I'll pass" in text.replace("’", "'")
    assert "On your own or with one person" in text and "one person you trust" in text


def test_mortality_figures_framed_as_averages(site):
    text = section_text(page(site, "myths-about-belonging"), "what-the-health-studies-mean")
    assert "averages" in text and "It is never too late" in text
    assert "does not prove" in text.lower() or "not prove" in text.lower()


# --- getting support, honestly ---------------------------------------------------------------------
def test_getting_support_puts_cbt_and_ipt_first(site):
    body = page(site, "getting-support")
    order = [h["id"] for h in body.select("h3[id]")]
    therapies = ["cbt", "ipt", "act", "emdr", "psychodynamic-therapy"]
    assert [i for i in order if i in therapies + ["ifs"]] == therapies + ["ifs"], order
    for therapy in therapies:
        assert "Evidence:" in section_text(body, therapy), therapy
    # IFS and Coherence Therapy share one short section on little-tested therapies; both published
    # anchors still land there.
    newer = section_text(body, "ifs")
    assert "little testing" in newer and "Internal Family Systems" in newer and "Coherence Therapy" in newer
    assert body.select_one("#memory-reconsolidation") is not None


def test_getting_support_is_honest_about_what_was_tested(site):
    body = page(site, "getting-support")
    tested = section_text(body, "what-they-were-tested-for")
    assert "None of them was tested as a treatment for feeling you don't belong" in tested.replace("’", "'")
    assert "tested for loneliness itself" in tested and "28 trials" in tested
    emdr = [box for box in body.select("div.admonition.warning") if "EMDR" in box.get_text()]
    assert emdr and "trained therapist" in emdr[0].get_text() and "on your own" in emdr[0].get_text()
    psychodynamic = section_text(body, "psychodynamic-therapy")
    assert "experts disagree" in psychodynamic and "Other researchers replied" in psychodynamic   # both sides


def test_getting_support_gives_practical_routes(site):
    body = page(site, "getting-support")
    for section_id in ("gp-or-family-doctor", "nhs-talking-therapies", "social-prescribing", "befriending",
                       "check-registration"):
        assert body.select_one(f"#{section_id}") is not None, section_id
    hrefs = " ".join(a["href"] for a in body.select("a[href^='https://']"))
    for host in ("nhs.uk/service-search/mental-health/find-an-NHS-talking-therapies-service", "hcpc-uk.org", "bacp.co.uk",
                 "psychotherapy.org.uk", "cbtregisteruk.com"):
        assert host in hrefs, host
    assert "state board" in section_text(body, "check-registration")
    assert "tell" in section_text(body, "getting-on-with-your-therapist").lower()


# --- reading: research words and idioms ------------------------------------------------------------
def test_no_research_jargon_or_idioms_on_client_pages(site):
    banned = re.compile(r"\b(placebo|pooled|comparison group|lick (your|their) wounds|anterior cingulate|"
                        r"one model of|a proven law)\b", re.I)
    for name in GUIDE_PAGES:
        text = prose(page(site, name))
        found = banned.search(text)
        assert not found, (name, found and found.group(0))
