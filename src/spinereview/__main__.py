"""Allow ``python -m spinereview``."""

from spinereview.cli import main

raise SystemExit(main())
