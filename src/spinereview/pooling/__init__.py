"""Pooling: the configured analyses run on the harmonised effects with the meta-analysis engine."""
