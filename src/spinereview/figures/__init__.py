"""Figures: forest plots, the article figure, funnel plots, PRISMA flow and risk of bias (de/en)."""
