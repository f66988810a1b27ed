"""The city: the city pack (load and validate), geometry over its zones, its road graph.

Imports only ``core``. Every other room may import it.
"""
