"""Layout builders: ``create_*()`` functions, one module per tab or page; ids come from ``web.ids``."""
