"""The text a person reads on a page: element content only (no attributes, so no tooltips or
option values), without scripts, styles and elements marked `data-raw` (the stored configuration
shown verbatim on purpose)."""
from __future__ import annotations

from html.parser import HTMLParser

_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class _TextParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping: list[str] = []  # the open tags of a skipped element, innermost last

    def handle_starttag(self, tag, attrs):
        if tag in _VOID:
            return
        if self._skipping or tag in ("script", "style") or any(name == "data-raw" for name, _ in attrs):
            self._skipping.append(tag)

    def handle_endtag(self, tag):
        if self._skipping and self._skipping[-1] == tag:
            self._skipping.pop()

    def handle_data(self, data):
        if not self._skipping:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _TextParser()
    parser.feed(html)
    parser.close()
    return " ".join(" ".join(parser.parts).split())
