"""Markdown to safe HTML. Markdown libraries do not sanitise: nh3 always runs last."""

import re

import markdown
import nh3

ALLOWED_TAGS = {"p", "br", "strong", "em", "a", "ul", "ol", "li", "blockquote", "code", "pre", "h3", "h4",
                "hr", "span"}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "span": {"class"}}
MENTION = re.compile(r"(?<![\w@])@([A-Za-z0-9_.\-]{2,150})")


def sanitise(html: str) -> str:
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow ugc noopener noreferrer",
        strip_comments=True,
        filter_style_properties=set(),
    )


def mentioned_usernames(text: str) -> set[str]:
    return {m.group(1).rstrip(".") for m in MENTION.finditer(text)}


def render_markdown(text: str) -> str:
    # Raw HTML in the source is escaped, not interpreted: escape < and & first.
    escaped = text.replace("&", "&amp;").replace("<", "&lt;")
    html = markdown.markdown(escaped, extensions=["sane_lists", "nl2br"], output_format="html")
    html = MENTION.sub(lambda m: f'<span class="mention">@{m.group(1)}</span>', html)
    return sanitise(html)
