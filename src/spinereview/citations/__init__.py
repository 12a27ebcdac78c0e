"""Citation lists (Vancouver, BibTeX, RIS, CSL-JSON) and the audit of the article's references."""
