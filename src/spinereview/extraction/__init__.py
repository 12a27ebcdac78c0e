"""Extraction: effect statements from abstracts, the curated sheet and harmonised effects."""
