"""Screening: protocol-driven eligibility, de-duplication, study links and PRISMA 2020 counts."""
