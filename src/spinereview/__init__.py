"""spinereview: reproducible evidence review of spinal injections for chronic back pain."""

__version__ = "0.1.0"
