"""Crisis help from one source: includes/helplines.yml, read and checked.

A missing field, a number that is not all digits, a spoken form whose digits differ from the dialled
ones, an unknown region... stops the build with "includes/helplines.yml:LINE: what is wrong. Fix: ...".
load() is what the hook (scripts/hooks/helplines.py), the PDFs and the worksheets read; the file is
read again only when it changes.
"""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import yaml
from mkdocs.exceptions import PluginError

DATA_FILE = Path("includes") / "helplines.yml"
KINDS = ("emergency", "crisis", "young", "abuse", "bereavement", "directory")
CONTACT_TYPES = ("call", "text", "email", "web")
SERVICE_FIELDS = ("id", "name", "kind", "regions", "contacts", "hours", "checked", "source")
UK = ("england", "wales", "scotland", "northern-ireland")
DIGITS = re.compile(r"^\d+$")
ID_FORM = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")

_CACHE: dict[tuple, dict] = {}


class _Loader(yaml.SafeLoader):
    """Keeps the line of every mapping (and of each of its keys) for error messages."""


def _construct_mapping(loader, node):
    loader.flatten_mapping(node)
    mapping = {}
    lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        mapping[key] = loader.construct_object(value_node, deep=True)
        lines[key] = key_node.start_mark.line + 1
    mapping["__line__"] = node.start_mark.line + 1
    mapping["__lines__"] = lines
    return mapping


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _err(line: int, message: str):
    raise PluginError(f"{DATA_FILE}:{line}: {message}")


def _line(item: dict, key: str | None = None) -> int:
    if key is not None and key in item.get("__lines__", {}):
        return item["__lines__"][key]
    return item.get("__line__", 1)


def _date(item: dict, key: str):
    value = item.get(key)
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        _err(_line(item, key), f"{key} '{value}' is not a date. Fix: write it as YYYY-MM-DD, the day you checked "
                               "the record.")


def _text(item: dict, key: str, where: str) -> str:
    value = item.get(key)
    if not isinstance(value, str) or not value.strip():
        _err(_line(item, key), f"{where}: '{key}' must be text. Fix: write {key}: <text>.")
    return value.strip()


def _check_contact(contact, service: dict, regions: set[str]) -> dict:
    sid = service.get("id")
    if not isinstance(contact, dict):
        _err(_line(service, "contacts"), f"service '{sid}': a contact is not a mapping. Fix: write "
                                          "{type: call, dial: \"01234567890\", display: \"01234 567890\"}.")
    kind = contact.get("type")
    line = _line(contact)
    if kind not in CONTACT_TYPES:
        _err(line, f"service '{sid}': contact type '{kind}' is not one of {', '.join(CONTACT_TYPES)}. "
                   "Fix: use one of them.")
    if kind in ("call", "text"):
        for key in ("dial", "display"):
            if key not in contact:
                _err(line, f"service '{sid}': a {kind} contact has no '{key}'. Fix: add {key}: \"...\" (dial: the "
                           "digits exactly as dialled; display: the number as a person reads it).")
        dial, display = contact["dial"], contact["display"]
        if not isinstance(dial, str):
            _err(_line(contact, "dial"), f"service '{sid}': dial {dial!r} is not quoted, so YAML reads it as a "
                                         f"number (000 becomes 0). Fix: write dial: \"{dial}\" in quotes.")
        if not DIGITS.match(dial):
            _err(_line(contact, "dial"), f"service '{sid}': dial '{dial}' has characters other than digits, so "
                                         f"the {'tel' if kind == 'call' else 'sms'}: link would not dial it. Fix: "
                                         f"write only the digits, dial: \"{re.sub(r'[^0-9]', '', dial)}\", and put "
                                         "the spaced form in display.")
        if not isinstance(display, str) or re.sub(r"\D", "", display) != dial:
            _err(_line(contact, "display"), f"service '{sid}': display '{display}' does not show the digits of "
                                            f"dial '{dial}'. Fix: write the same digits, spaced as a person reads "
                                            "them (\"01234 567890\").")
        if "label" in contact and not (isinstance(contact["label"], str) and contact["label"].strip()):
            _err(_line(contact, "label"), f"service '{sid}': label must be short text. Fix: e.g. label: TTY.")
        if "keyword" in contact and not (isinstance(contact["keyword"], str) and re.match(r"^\w+$", contact["keyword"])):
            _err(_line(contact, "keyword"), f"service '{sid}': keyword must be one word. Fix: e.g. keyword: SHOUT.")
    elif kind == "email":
        address = contact.get("address")
        if not isinstance(address, str) or not re.match(r"^[^@\s]+@[^@\s]+\.[a-z]+$", address):
            _err(line, f"service '{sid}': an email contact needs address: name@example.org. Fix: add it.")
    else:
        url = contact.get("url")
        if not isinstance(url, str) or not url.startswith("https://"):
            _err(line, f"service '{sid}': a web contact needs url: https://... Fix: add the service's address.")
        contact.setdefault("display", re.sub(r"^https://(www\.)?", "", url).rstrip("/"))
    own = contact.get("regions")
    if own is not None:
        if not isinstance(own, list) or not set(own) <= set(service["regions"]):
            _err(_line(contact, "regions"), f"service '{sid}': a contact's regions must be some of the service's "
                                            f"regions ({', '.join(service['regions'])}). Fix: list only those.")
    return contact


def _check(data) -> dict:
    if not isinstance(data, dict):
        _err(1, "the file is not a mapping. Fix: start with 'regions:', 'short:' and 'services:'.")
    for key in ("regions", "services", "short"):
        if not isinstance(data.get(key), list) or not data[key]:
            _err(_line(data, key), f"'{key}' is missing or empty. Fix: add the {key} list (see the comment at "
                                   "the top of the file).")
    regions: dict[str, dict] = {}
    for region in data["regions"]:
        if not isinstance(region, dict) or not {"id", "name"} <= set(region):
            _err(_line(data, "regions"), "a region needs an id and a name. Fix: write {id: wales, name: Wales}.")
        regions[region["id"]] = region
    services: dict[str, dict] = {}
    for service in data["services"]:
        if not isinstance(service, dict):
            _err(_line(data, "services"), "a service is not a mapping. Fix: start each service with '- id: ...'.")
        sid = service.get("id", "?")
        for field in SERVICE_FIELDS:
            if field not in service or service[field] in (None, "", []):
                _err(_line(service), f"service '{sid}' has no '{field}'. Fix: add {field}: (see the comment at the "
                                     "top of the file).")
        if not isinstance(sid, str) or not ID_FORM.match(sid):
            _err(_line(service, "id"), f"id '{sid}' is not lowercase words joined by hyphens. Fix: e.g. id: samaritans.")
        if sid in services:
            _err(_line(service, "id"), f"id '{sid}' is used twice (first at line {_line(services[sid])}). Fix: give "
                                       "each service its own id.")
        _text(service, "name", f"service '{sid}'")
        _text(service, "source", f"service '{sid}'")
        _text(service, "hours", f"service '{sid}'")
        if service.get("kind") == "abuse" and "for" not in service:
            _err(_line(service), f"service '{sid}' does not say whom it serves. Fix: add for: women (or men, "
                                 "LGBT+ people, anyone), as the service's record says; the page shows it.")
        if "for" in service:
            _text(service, "for", f"service '{sid}'")
        if service["kind"] not in KINDS:
            _err(_line(service, "kind"), f"service '{sid}': kind '{service['kind']}' is not one of {', '.join(KINDS)}. "
                                         "Fix: use one of them.")
        if not isinstance(service["regions"], list) or not all(r in regions for r in service["regions"]):
            _err(_line(service, "regions"), f"service '{sid}': regions must come from the regions list "
                                            f"({', '.join(regions)}). Fix: use those ids.")
        checked = _date(service, "checked")
        if checked > dt.date.today():
            _err(_line(service, "checked"), f"service '{sid}': checked {checked} is in the future. Fix: write the "
                                            "day you saw the record.")
        service["checked"] = checked
        if not isinstance(service["contacts"], list):
            _err(_line(service, "contacts"), f"service '{sid}': contacts must be a list. Fix: '- {{type: call, ...}}'.")
        service["contacts"] = [_check_contact(c, service, set(regions)) for c in service["contacts"]]
        if service["kind"] == "emergency" and not any(c["type"] == "call" for c in service["contacts"]):
            _err(_line(service, "contacts"), f"service '{sid}': an emergency service needs a call contact. Fix: add one.")
        services[sid] = service
    for sid in data["short"]:
        if sid not in services:
            _err(_line(data, "short"), f"short lists '{sid}', which is not a service id. Fix: use an id from services.")
        if "where" not in services[sid]:
            _err(_line(services[sid]), f"service '{sid}' is in the short form but has no 'where'. Fix: add "
                                       "where: in the UK (or similar).")
    for service in services.values():
        if service["kind"] == "emergency" and "where" not in service:
            _err(_line(service), f"service '{service['id']}' has no 'where'. Fix: add where: in the UK (or similar), "
                                 "used in the emergency sentence.")
    for region in regions:
        if region != "anywhere" and not any(s["kind"] == "emergency" and region in s["regions"] for s in services.values()):
            _err(_line(data, "regions"), f"region '{region}' has no emergency number. Fix: add an emergency service "
                                         "for it.")
    result = {"regions": regions, "services": services, "short": data["short"],
              "checked": min(s["checked"] for s in services.values())}
    for service in services.values():
        for contact in service["contacts"]:
            if contact.get("regions") and contact["regions"] != service["regions"] and not contact.get("label"):
                contact["label"] = region_label(result, contact["regions"])
    return result


def load(root: Path) -> dict:
    path = Path(root) / DATA_FILE
    try:
        stat = path.stat()
    except FileNotFoundError:
        raise PluginError(f"{DATA_FILE}: not found. Fix: restore it from git; every helpline comes from it.") from None
    key = (str(path), stat.st_mtime_ns, stat.st_size)
    if key not in _CACHE:
        text = path.read_text(encoding="utf-8")
        try:
            raw = yaml.load(text, Loader=_Loader)  # noqa: S506 - a SafeLoader subclass
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            _err(mark.line + 1 if mark else 1, f"not valid YAML ({exc.problem}). Fix: check the indentation and "
                                               "quotes on this line.")
        _CACHE.clear()
        _CACHE[key] = _check(raw)
    return _CACHE[key]


def join_words(parts: list[str], word: str = "or") -> str:
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + f" {word} " + parts[-1]


def region_label(data: dict, ids: list[str]) -> str:
    ids = list(ids)
    names = []
    if all(r in ids for r in UK):
        names.append("UK")
        ids = [r for r in ids if r not in UK]
    names += [data["regions"][r]["name"] for r in ids]
    return join_words(names, "and")
