"""PubMed: frozen snapshot, parsing and (later) live E-utilities search."""
