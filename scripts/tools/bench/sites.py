"""Synthetic sites for section 1: N pages x 10 citations over an M-entry .bib, with and without the citation hook."""
from __future__ import annotations

import random
import re
from pathlib import Path

from scripts.tools.bench.common import HOOK

SURNAMES = ("smith martin garcia chen nguyen okafor kowalski haddad larsen rossi tanaka novak silva murphy "
            "fischer dubois ahmed kim jensen moreau walker brennan ivanova patel osei lindqvist romero baker "
            "schneider costa hughes yilmaz kaplan duarte nakamura weber oconnor abara hall reyes sato "
            "petrov grant flores berg keller moss").split()
INITIALS = "ABCDEFGHJKLMNPRSTW"
TITLE_WORDS = ("belonging loneliness rejection connection support attachment community ostracism exclusion "
               "isolation friendship acceptance identity trust empathy resilience wellbeing adolescents adults "
               "students veterans therapy intervention outcomes mindfulness compassion anxiety depression "
               "meaning purpose groups families schools workplaces").split()
JOURNALS = ("Psychological Bulletin", "Journal of Personality and Social Psychology", "Psychological Science",
            "Clinical Psychology Review", "Journal of Consulting and Clinical Psychology", "Emotion",
            "Social Psychological and Personality Science", "Personality and Social Psychology Review",
            "Journal of Social and Personal Relationships", "Psychotherapy Research")
FILLER = ("People who feel they belong tend to cope better with stress. A sense of connection can grow "
          "slowly, through small and repeated moments of contact. Feeling left out is painful, and the "
          "pain is a signal worth listening to. Support from others works best when it is wanted and "
          "fits what the person needs.").split(". ")


SYLLABLES_A = ("al an ba be bro ca ch da de el fa fi ga go ha he ja ka ke la li ma mo na ni o pa pe ra "
               "ro sa sch se ta to va we wi ya za").split()
SYLLABLES_B = ("berg bury dahl den dez er ford gard ino ison kin ley lin man mann more ner ova quist rez "
               "rick ski son stein ton vic wood yama zi").split()


def surname_pool(rng: random.Random, size: int) -> list[str]:
    """Real bibliographies have many different first authors: common surnames plus made-up ones."""
    pool = list(SURNAMES)
    while len(pool) < size:
        name = rng.choice(SYLLABLES_A) + rng.choice(SYLLABLES_B)
        if name not in pool:
            pool.append(name)
    return pool


def make_bib(m: int, rng: random.Random) -> tuple[str, list[str]]:
    keys: list[str] = []
    seen: set[str] = set()
    parts = []
    surnames = surname_pool(rng, min(len(SYLLABLES_A) * len(SYLLABLES_B), max(len(SURNAMES), m // 2)))
    for i in range(m):
        surname = rng.choice(surnames)
        year = rng.randint(1975, 2024)
        word = rng.choice(TITLE_WORDS)
        key = f"{surname}{year}{word}"
        n = 2
        while key in seen:
            key = f"{surname}{year}{word}-{n}"
            n += 1
        seen.add(key)
        keys.append(key)
        authors = [f"{surname.capitalize()}, {rng.choice(INITIALS)}. {rng.choice(INITIALS)}."]
        for _ in range(rng.choice((0, 1, 1, 2, 3, 5))):
            authors.append(f"{rng.choice(surnames).capitalize()}, {rng.choice(INITIALS)}.")
        title_words = rng.sample(TITLE_WORDS, 5)
        title = f"{title_words[0].capitalize()} and {title_words[1]} among {title_words[2]}: A study of {title_words[3]} and {title_words[4]}"
        first = rng.randint(1, 900)
        parts.append(
            # The same gate as the guide's references.bib (scripts/checks/biblint.py), met honestly.
            f"% verified: nothing; a synthetic bench entry made up by scripts/tools/bench/sites.py, not a real work\n"
            f"@article{{{key},\n"
            f"  author = {{{' and '.join(authors)}}},\n"
            f"  title = {{{title}}},\n"
            f"  journal = {{{rng.choice(JOURNALS)}}},\n"
            f"  year = {{{year}}},\n"
            f"  volume = {{{rng.randint(1, 120)}}},\n"
            f"  number = {{{rng.randint(1, 12)}}},\n"
            f"  pages = {{{first}--{first + rng.randint(5, 40)}}},\n"
            f"  doi = {{10.{rng.randint(1000, 9999)}/bench.{year}.{i:05d}}}\n"
            f"}}\n"
        )
    return "\n".join(parts), keys


def make_citation(keys: list[str], rng: random.Random) -> str:
    r = rng.random()
    if r < 0.6:
        return f"[@{rng.choice(keys)}]"
    if r < 0.8:
        a, b = rng.sample(keys, 2)
        return f"[@{a}; @{b}]"
    return f"[@{rng.choice(keys)}, p. {rng.randint(1, 400)}]"


PLAIN_YML = """\
site_name: Bench {n} pages x {m} entries
site_url: https://bench.example.org/
docs_dir: docs
theme:
  name: material
  font: false
plugins:
  - search
markdown_extensions:
  - footnotes
  - smarty
  - attr_list
"""

# The same site with the citation plugin and our hook.
BIB_YML = PLAIN_YML.replace("  - search\n", """\
  - search
  - bibtex:
      bib_file: refs.bib
      footnote_format: "ref-{{key}}"
      enable_inline_citations: false
""") + "hooks:\n  - {hook}\n"


def generate_site(dest: Path, n: int, m: int) -> Path:
    """N pages x 10 citations (60% [@k], 20% [@a; @b], 20% [@a, p. 5]) in sections of 50 pages."""
    rng = random.Random(n * 100003 + m)
    dest.mkdir(parents=True)
    bib, keys = make_bib(m, rng)
    (dest / "refs.bib").write_text(bib, encoding="utf-8")
    (dest / "mkdocs.yml").write_text(BIB_YML.format(n=n, m=m, hook=HOOK), encoding="utf-8")
    (dest / "mkdocs-plain.yml").write_text(PLAIN_YML.format(n=n, m=m), encoding="utf-8")
    docs = dest / "docs"
    docs.mkdir()
    cited: set[str] = set()
    for i in range(n):
        section = docs / f"part-{i // 50 + 1:02d}"
        section.mkdir(exist_ok=True)
        paragraphs = []
        for p in range(5):
            sentences = []
            for c in range(2):
                sentence = rng.choice(FILLER).rstrip(".")
                sentences.append(f"{sentence} {make_citation(keys, rng)}.")
            sentences.append(rng.choice(FILLER).rstrip(".") + ".")
            paragraphs.append(" ".join(sentences))
        body = "\n\n".join(paragraphs)
        cited.update(re.findall(r"@([a-z][a-z0-9-]*)", body))
        (section / f"page-{i + 1:04d}.md").write_text(
            f"# Page {i + 1}: {rng.choice(TITLE_WORDS)} and {rng.choice(TITLE_WORDS)}\n\n"
            f"## What the research says\n\n{body}\n", encoding="utf-8")
    # citations.py wants every entry cited somewhere or listed under further_reading: in front matter.
    further = "".join(f"  - {key}\n" for key in keys if key not in cited)
    front = f"---\nfurther_reading:\n{further}---\n\n" if further else ""
    (docs / "index.md").write_text(f"{front}# Bench site\n\n{n} generated pages.\n", encoding="utf-8")
    return dest


