"""Builds the bundled demo city pack (data/demo_city/) from a real OSM road graph."""
