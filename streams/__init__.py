"""The worker: ``python -m streams.worker`` reads the input partitions and writes alerts.

``pipeline`` declares the whole path of a message (parse, filters, enrichers, ``rules/``);
``worker`` does the I/O, ``commit`` the atomic write, ``partitions`` the leases, ``housekeeping``
the bounds. Imports only ``city`` and ``core``: no Dash, Flask, Socket.IO or demo code.
"""
