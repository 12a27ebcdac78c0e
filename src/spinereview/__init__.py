"""spinereview: reproducible evidence review of spinal injections for chronic back pain."""

import csv as _csv

__version__ = "0.1.0"

# The csv module refuses fields over 128 KiB ("field larger than field limit"). A PubMed title or
# abstract has no such limit, and a record that passed parsing and screening must not fail later
# when a step reads it back from a CSV table (write_citations, the report). 2**31 - 1 fits a C long
# on every platform.
_csv.field_size_limit(2**31 - 1)
