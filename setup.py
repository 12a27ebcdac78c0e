"""Build of the optional compiled record builder (everything else is in pyproject.toml).

``spinereview.pubmed._fastrecord`` is compiled with Cython against lxml's headers when Cython, lxml
and a C compiler are present; the extension is optional, so without them (or when the compile
fails) the install goes on and ``spinereview.pubmed.parse`` uses its Python record builder.
"""

from __future__ import annotations

import sys

from setuptools import setup
from setuptools.command.build_ext import build_ext


class _OptionalBuildExt(build_ext):
    """build_ext that never fails the install: a missing or failing compiler leaves Python only.

    setuptools' own ``optional=True`` lets a failing compile pass but not a missing compiler
    binary (an OSError), nor a failure when an editable install copies the result into place.
    """

    def run(self) -> None:
        try:
            super().run()
        except Exception as err:  # any failure means: no compiled builder
            _skipped(err)

    def build_extension(self, ext) -> None:
        try:
            super().build_extension(ext)
        except Exception as err:
            _skipped(err)

    def copy_extensions_to_source(self) -> None:
        try:
            super().copy_extensions_to_source()
        except Exception as err:
            _skipped(err)


def _skipped(err: Exception) -> None:
    print(
        f"spinereview: the compiled record builder was not built ({err}); parsing uses the "
        "Python builder",
        file=sys.stderr,
    )


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


setup(ext_modules=_extensions(), cmdclass={"build_ext": _OptionalBuildExt})
