"""Report: the self-contained HTML report that links every number to its analysis, study and sheet row."""
