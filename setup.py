"""Build of the optional compiled record builder (everything else is in pyproject.toml).

``spinereview.pubmed._fastrecord`` is compiled with Cython against lxml's headers when Cython, lxml
and a C compiler are present; the extension is optional, so without them (or when the compile
fails) the install goes on and ``spinereview.pubmed.parse`` uses its Python record builder.
"""

from __future__ import annotations

import sys

from setuptools import setup


def _extensions() -> list:
    try:
        import lxml
        from Cython.Build import cythonize
        from setuptools import Extension
    except ImportError as err:
        print(f"spinereview: not compiling the record builder ({err})", file=sys.stderr)
        return []
    extension = Extension(
        "spinereview.pubmed._fastrecord",
        ["src/spinereview/pubmed/_fastrecord.pyx"],
        include_dirs=lxml.get_include(),
        optional=True,
    )
    try:
        return cythonize([extension], compiler_directives={"language_level": "3"}, quiet=True)
    except Exception as err:  # a Cython error must not fail the install either
        print(f"spinereview: not compiling the record builder ({err})", file=sys.stderr)
        return []


setup(ext_modules=_extensions())
