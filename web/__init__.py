"""The web side under the screens: the socket bridge, the screens' data access, view models,
component ids, translations and the city as the map shows it.

``layouts/`` and ``callbacks/`` build on it; it imports only ``city`` and ``core`` (never
``layouts``, ``callbacks`` or ``api``).
"""
