"""Tests of the alert rules, one module per rule; ``kit`` builds a small city and enriched pings."""
