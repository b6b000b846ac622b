"""Crisis help from one source: includes/helplines.yml.

Every helpline number the guide shows comes from that file; this module writes it out.

- on_pre_build: reads and checks the file (scripts/checks/helplines.py: a bad entry stops the build
  with "includes/helplines.yml:LINE: what is wrong. Fix: ...").
- render(): the lists the shortcode <!-- md:helplines --> (the short form),
  <!-- md:helplines show=WHAT region=ID --> (WHAT is one of SHOWS below) or
  <!-- md:helplines ids=ID,ID --> (those services, in that order) becomes; the shortcode is a
  Python-Markdown extension, scripts/markdown/helplines.py, which stops the build with the page's file
  and line on another argument.
- The crisis page (docs/get-help-now.md) is reviewed at least every three months: the build fails if
  its next_review is more than 92 days after reviewed.

scripts/hooks/pages.py builds the crisis box on client pages with crisis_box_html(); scripts/build/pdf.py puts
cover_note_html() on the book's cover. Every phone number is a tel: link and every text line an sms:
link whose visible text is the number as a person reads it; email is a mailto: link.
"""
from __future__ import annotations

import datetime as dt
import html as htmllib
import re
from pathlib import Path

from mkdocs.exceptions import PluginError

from scripts.checks.helplines import CONTACT_TYPES, DATA_FILE, UK, join_words, load, region_label  # noqa: F401  (load: pdf.py)

CRISIS_PAGE = "get-help-now.md"
MAX_REVIEW_DAYS = 92
SHOWS = ("short", "emergency", "crisis", "no-voice", "young", "abuse", "bereavement", "directory", "expect",
         "checked")
MARKER = re.compile(r"<!--\s*md:helplines\b(?P<args>[^>]*?)\s*-->")


def _e(text: str) -> str:
    return htmllib.escape(str(text), quote=True)


def link(contact: dict) -> str:
    kind = contact["type"]
    if kind == "call":
        return f'<a class="helpline-tel" href="tel:{contact["dial"]}">{_e(contact["display"])}</a>'
    if kind == "text":
        body = f'?&amp;body={_e(contact["keyword"])}' if contact.get("keyword") else ""
        return f'<a class="helpline-sms" href="sms:{contact["dial"]}{body}">{_e(contact["display"])}</a>'
    if kind == "email":
        return f'<a class="helpline-email" href="mailto:{_e(contact["address"])}">{_e(contact["address"])}</a>'
    return f'<a class="helpline-web" href="{_e(contact["url"])}">{_e(contact["display"])}</a>'


def _phrase(contact: dict, region: str | None = None) -> str:
    shown = contact.get("label") and (region is None or not contact.get("regions"))
    label = f" ({_e(contact['label'])})" if shown else ""
    return _bare_phrase(contact) + label


def _bare_phrase(contact: dict) -> str:
    kind = contact["type"]
    if kind == "call":
        step = f" and {_e(contact['step'])}" if contact.get("step") else ""
        return f"call {link(contact)}{step}"
    if kind == "text":
        if contact.get("keyword"):
            return f"text {_e(contact['keyword'])} to {link(contact)}"
        return f"text {link(contact)}"
    if kind == "email":
        return f"email {link(contact)}"
    return f"go to {link(contact)}"


def _contacts(service: dict, region: str | None = None, types=CONTACT_TYPES) -> list[dict]:
    return [c for c in service["contacts"] if c["type"] in types
            and (region is None or region in c.get("regions", service["regions"]))]


def actions(service: dict, region: str | None = None, types=CONTACT_TYPES) -> str:
    return join_words([_phrase(c, region) for c in _contacts(service, region, types)])


def _hours(service: dict) -> str:
    hours = service["hours"].strip()
    if hours == "unknown":
        # No record gave the hours: say what to do if it is closed, not that we do not know.
        return "If no one answers, use another service on this page."
    hours = hours.rstrip(".")
    return f"Open {hours}." if hours[0].isdigit() else hours[0].upper() + hours[1:] + "."


def _emergency_sentence(data: dict) -> str:
    groups: list[tuple[tuple, list[str]]] = []
    for service in data["services"].values():
        if service["kind"] != "emergency":
            continue
        numbers = join_words([link(c) for c in _contacts(service, types=("call",))])
        for key, wheres in groups:
            if key == numbers:
                wheres.append(service["where"])
                break
        else:
            groups.append((numbers, [service["where"]]))
    parts = []
    for numbers, wheres in groups:
        places = [wheres[0]] + [re.sub(r"^in ", "", w) for w in wheres[1:]]
        parts.append(f"{numbers} {join_words([_e(p) for p in places], 'and')}")
    return ("In an emergency, call your local emergency number: " + join_words(parts) +
            ". Or go to A&amp;E or the emergency department.")


def _short_items(data: dict) -> list[str]:
    items = [_emergency_sentence(data)]
    for sid in data["short"]:
        service = data["services"][sid]
        # A labelled contact (a textphone, a TTY line) is on /get-help-now/; the short form keeps one line each.
        voice = [c for c in _contacts(service, types=("call", "text")) if not c.get("label")]
        text = join_words([_phrase(c) for c in voice]) if voice else actions(service, types=("web",))
        where = service["where"]
        item = f"{_e(where[0].upper() + where[1:])}, {text}"
        if service["kind"] != "directory":
            item += f" ({_e(service['name'])})"
        items.append(item + ".")
    return items


def short_html(root: Path) -> str:
    items = "\n".join(f"<li>{item}</li>" for item in _short_items(load(root)))
    return f'<ul class="helplines helplines--short">\n{items}\n</ul>'


def checked_html(root: Path) -> str:
    date = load(root)["checked"]
    return (f'<p class="helplines-checked">Numbers checked on <time datetime="{date.isoformat()}">'
            f"{date.day} {date.strftime('%B %Y')}</time>.</p>")


def _service_item(data: dict, service: dict, region: str | None = None, types=CONTACT_TYPES,
                  show_regions: bool = True, anchor: bool = False) -> str:
    where = f" ({_e(region_label(data, service['regions']))})" if show_regions else ""
    text = actions(service, region, types)
    serves = f', <span class="helpline-for">for {_e(service["for"])}</span>' if service.get("for") else ""
    parts = [f"<strong>{_e(service['name'])}</strong>{where}{serves}: {text[0].upper() + text[1:]}.", _hours(service)]
    if service.get("about"):
        parts.append(_e(service["about"]))
    ident = f' id="helpline-{service["id"]}"' if anchor else ""
    return f'<li{ident}>{" ".join(parts)}</li>'


def _by_region(data: dict, show: str, pick, region_filter: str | None) -> str:
    """Services grouped by where they serve: each nation or country on its own, and the services that
    serve the whole UK once, under "Anywhere in the UK", after the four nations."""
    groups: list[tuple[str, str, str, list[dict]]] = []  # (group id, heading, region for contacts, services)
    whole_uk = [s for s in data["services"].values() if pick(s) and all(r in s["regions"] for r in UK)]
    for rid, region in data["regions"].items():
        if region_filter and rid != region_filter:
            continue
        services = [s for s in data["services"].values() if rid in s["regions"] and pick(s)
                    and (rid not in UK or s not in whole_uk or region_filter)]
        if services:
            groups.append((rid, region["name"], rid, services))
        if rid == UK[-1] and whole_uk and not region_filter:
            groups.append(("uk", "Anywhere in the UK", UK[0], whole_uk))
    blocks = []
    for gid, heading, rid, services in groups:
        items = "\n".join(_service_item(data, s, rid, show_regions=False) for s in services)
        blocks.append(f'<div class="helplines-region" id="{show}-{gid}">\n'
                      f'<p class="helplines-region__name"><strong>{_e(heading)}</strong></p>\n'
                      f"<ul>\n{items}\n</ul>\n</div>")
    return f'<div class="helplines helplines--{show}">\n' + "\n".join(blocks) + "\n</div>"


def _emergency_list(data: dict, region_filter: str | None) -> str:
    items = []
    for service in data["services"].values():
        if service["kind"] != "emergency" or (region_filter and region_filter not in service["regions"]):
            continue
        names = join_words([_e(data["regions"][r]["name"]) for r in service["regions"]], "and")
        numbers = join_words([link(c) for c in _contacts(service, types=("call",))])
        items.append(f'<li id="emergency-{service["id"]}"><strong>{names}</strong>: call {numbers}. '
                     f'{_e(service.get("about", ""))}</li>')
    return '<ul class="helplines helplines--emergency">\n' + "\n".join(items) + "\n</ul>"


def render(root: Path, show: str = "short", region: str | None = None, ids: list[str] | None = None) -> str:
    data = load(root)
    if ids:  # named services, in the page's order, each with where it serves and all its contacts
        items = [_service_item(data, data["services"][ident]) for ident in ids]
        return '<ul class="helplines helplines--ids">\n' + "\n".join(items) + "\n</ul>"
    if show == "short":
        return short_html(root)
    if show == "checked":
        return checked_html(root)
    if show == "emergency":
        return _emergency_list(data, region)
    if show == "crisis":
        return _by_region(data, show, lambda s: s["kind"] == "crisis", region)
    if show == "no-voice":
        services = [s for s in data["services"].values()
                    if s["kind"] != "emergency" and _contacts(s, types=("text", "email"))
                    and (region is None or region in s["regions"])]
        items = [_service_item(data, s, types=("text", "email")) for s in services]
    elif show == "expect":
        services = [s for s in data["services"].values() if s.get("expect")
                    and (region is None or region in s["regions"])]
        items = [f'<li><strong>{_e(s["name"])}</strong> ({_e(region_label(data, s["regions"]))}): {_e(s["expect"])}</li>'
                 for s in services]
    else:
        services = [s for s in data["services"].values() if s["kind"] == show
                    and (region is None or region in s["regions"])]
        items = [_service_item(data, s, anchor=region is None) for s in services]
    return f'<ul class="helplines helplines--{show}">\n' + "\n".join(items) + "\n</ul>"


CRISIS_TITLE = "If you are in crisis or might harm yourself, get help now."


def crisis_box_html(root: Path, link_html: str) -> str:
    """The short crisis box on every client page (scripts/hooks/pages.py inserts it before the references)."""
    return ('<aside class="crisis-help" aria-labelledby="crisis-help-title">\n'
            f'<p class="crisis-help__title" id="crisis-help-title"><strong>{_e(CRISIS_TITLE)}</strong></p>\n'
            f"{short_html(root)}\n<p>More help: {link_html}.</p>\n</aside>\n")


def cover_note_html(root: Path) -> str:
    """The crisis note on the book's cover (scripts/build/pdf.py)."""
    return ('<div class="note">\n<p><strong>In crisis or thinking of harming yourself?</strong></p>\n'
            f"{short_html(root)}\n{checked_html(root)}\n</div>")


# ---------------------------------------------------------------- the hook

def _root(config) -> Path:
    return Path(config.config_file_path).parent


def on_pre_build(config):
    load(_root(config))


def _page_line(page, pos: int) -> int:
    return page.file.content_string.count("\n", 0, pos) + 1


def _check_review(page):
    meta = page.meta
    try:
        reviewed = meta["reviewed"] if isinstance(meta["reviewed"], dt.date) else dt.date.fromisoformat(str(meta["reviewed"]))
        next_review = (meta["next_review"] if isinstance(meta["next_review"], dt.date)
                       else dt.date.fromisoformat(str(meta["next_review"])))
    except (KeyError, ValueError):
        return  # pages.py reports missing or malformed dates
    days = (next_review - reviewed).days
    if days > MAX_REVIEW_DAYS:
        text = page.file.content_string
        pos = text.find("next_review:")
        raise PluginError(
            f"docs/{page.file.src_uri}:{_page_line(page, max(pos, 0))}: next_review {next_review} is {days} days "
            f"after reviewed {reviewed}; the crisis page is reviewed at least every three months "
            f"({MAX_REVIEW_DAYS} days). Fix: re-check every entry in {DATA_FILE}, then set reviewed to today and "
            f"next_review to at most {reviewed + dt.timedelta(days=MAX_REVIEW_DAYS)} after it.")


def on_page_markdown(markdown, page, config, files):
    if page.file.src_uri == CRISIS_PAGE:
        _check_review(page)
    return markdown  # the shortcode itself is a Markdown extension: scripts/markdown/helplines.py
