"""The review-level evidence layer: published reviews harmonised, and the certainty of own results."""
