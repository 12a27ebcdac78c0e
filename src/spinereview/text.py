"""Text from records shown to people: invisible control characters made visible.

A title can carry characters that change how the text around it is displayed without being seen:
the bidirectional overrides and isolates (U+202A–U+202E, U+2066–U+2069), which reverse or reorder
what follows them (the "Trojan Source" trick), and C0/C1 control characters. Escaping for HTML or
Markdown does not touch them. Every writer of text for people (report, citation lists in HTML and
Markdown, notebook tables) passes record text through :func:`show_controls`, which replaces each such
character by a visible ``⟨U+202E⟩``. The data (records, CSV, BibTeX, RIS, CSL-JSON) keep the
character as PubMed sent it.
"""

from __future__ import annotations

import re

#: bidi embeddings/overrides, bidi isolates, C0 controls except tab/newline/CR, DEL and C1 controls
_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def show_controls(text: str) -> str:
    """``text`` with every invisible control character replaced by ``⟨U+XXXX⟩``."""
    return _CONTROLS.sub(lambda m: f"\u27e8U+{ord(m.group()):04X}\u27e9", text)
