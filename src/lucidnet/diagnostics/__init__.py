"""Diagnostics: gradcheck, lint, health monitoring."""
