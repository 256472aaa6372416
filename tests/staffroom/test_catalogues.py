"""Every string the interface shows can be translated, and is, in nynorsk and English.

These read the source, not a database: a template text outside `{% translate %}` or a
catalogue entry left empty is what a nynorsk or English reader would see in bokmål.
"""

import ast
import gettext
import re
from pathlib import Path

import pytest
from django.template.base import Lexer, TokenType

ROOT = Path(__file__).resolve().parents[2]
APPS = ("community", "forums", "ideabank", "live", "search", "site")
LETTERS = re.compile(r"[A-Za-zÆØÅæøå]")
SHOWN_ATTRIBUTES = re.compile(r'\b(?:aria-label|alt|title|label|placeholder)="([^"]*)"')
# Names that are the same in every language.
PROPER = re.compile(r"\b(?:Staffroom|Feide|JSON|LK20)\b")


def templates() -> list[Path]:
    return sorted(p for app in APPS for p in (ROOT / app / "templates").rglob("*.html"))


def untranslated(source: str) -> list[str]:
    """The texts and shown attribute values of a template that no translation tag holds."""
    kept, inside = [], False
    for token in Lexer(source).tokenize():
        if token.token_type == TokenType.BLOCK:
            name = token.contents.split()[0]
            inside = name == "blocktranslate" or (inside and name != "endblocktranslate")
            kept.append("" if name.endswith("translate") or inside else "{%%}")
        elif token.token_type == TokenType.TEXT and not inside:
            kept.append(token.contents)
        elif token.token_type == TokenType.VAR and not inside:
            kept.append("{{}}")
    markup = "".join(kept)
    found = [v for v in SHOWN_ATTRIBUTES.findall(markup) if LETTERS.search(PROPER.sub("", v.replace("{{}}", "")))]
    text = re.sub(r"<[^>]*>|\{\{\}\}|\{%%\}", "\n", markup)
    found += [" ".join(line.split()) for line in text.splitlines() if LETTERS.search(PROPER.sub("", line))]
    return found


@pytest.mark.parametrize("path", templates(), ids=lambda p: str(p.relative_to(ROOT)))
def test_a_template_shows_no_text_outside_a_translation(path):
    assert untranslated(path.read_text()) == []


def test_the_guard_sees_text_and_shown_attributes():
    assert untranslated('<p>Hei</p>{% translate "Hei" %}<img alt="Et bilde">') == ["Et bilde", "Hei"]
    assert untranslated('{% blocktranslate %}Hei {{ x }}{% endblocktranslate %}<a href="/">{{ x }}</a>') == []


def parse_po(path: Path) -> list[dict]:
    entries, entry, field = [], None, None
    for line in path.read_text().splitlines() + [""]:
        if not line.strip():
            if entry:
                entries.append(entry)
            entry, field = None, None
            continue
        entry = entry or {"flags": "", "msgid": "", "msgstr": {}}
        if line.startswith("#,"):
            entry["flags"] += line
        elif line.startswith("#"):
            continue
        else:
            key, _, rest = line.partition(" ")
            if line.startswith('"'):
                rest, key = line, field
            else:
                field = key
            value = ast.literal_eval(rest)
            if key.startswith("msgstr"):
                index = key[7:-1] if "[" in key else "0"
                entry["msgstr"][index] = entry["msgstr"].get(index, "") + value
            else:
                entry[key] = entry.get(key, "") + value
    return [e for e in entries if e["msgid"]]


CATALOGUES = sorted((ROOT / "locale").glob("*/LC_MESSAGES/*.po"))


@pytest.mark.parametrize("po", CATALOGUES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_catalogue_string_is_translated_and_compiled(po):
    entries = parse_po(po)
    assert len(entries) > 20
    empty = [e["msgid"] for e in entries if not all(e["msgstr"].values()) or "fuzzy" in e["flags"]]
    assert empty == []
    compiled = gettext.GNUTranslations(open(po.with_suffix(".mo"), "rb"))
    stale = [e["msgid"] for e in entries
             if "msgid_plural" not in e and compiled.gettext(e["msgid"]) != e["msgstr"]["0"]]
    assert stale == [], "run compilemessages"


# Content, not interface: demo material, the console banner of `make run`, the API's
# developer documentation; command-line tools speak to operators.
CONTENT = {"site/demo.py", "site/run.py", "search/api.py"}


def python_sources() -> list[Path]:
    skip = ("migrations", "management", "settings", "tests")
    return sorted(p for app in APPS for p in (ROOT / app).rglob("*.py")
                  if not any(s in p.parts for s in skip) and str(p.relative_to(ROOT)) not in CONTENT)


def test_python_messages_for_people_go_through_gettext():
    """A bokmål sentence in a literal that no gettext call wraps is shown untranslated."""
    sentence = re.compile(r"[æøå]|\b(?:ikke|må|kan|er|du|Skriv|Velg)\b")
    wrappers = {"_", "gettext", "gettext_lazy", "ngettext", "gettext_noop", "pgettext"}
    found = []
    for path in python_sources():
        tree = ast.parse(path.read_text())
        parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Constant) and isinstance(node.value, str) and sentence.search(node.value)):
                continue
            parent = parents.get(node)
            if isinstance(parent, ast.Expr):  # a docstring
                continue
            if isinstance(parent, ast.keyword) and parent.arg == "default":  # a field's first content
                continue
            call = parent if isinstance(parent, ast.Call) else None
            name = getattr(call.func, "id", getattr(call.func, "attr", "")) if call else ""
            if name in wrappers or name in {"warning", "info", "debug", "exception"} and \
                    getattr(call.func, "value", None) is not None and getattr(call.func.value, "id", "") == "log":
                continue
            found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {node.value[:60]}")
    assert found == []
