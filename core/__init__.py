"""The outside contract and shared types: the bottom room.

Redis key names (``keys``), settings read once from the environment (``settings``), message and
value parsing (``values``, ``timeutil``, ``messages``), the data model (``model``), the producer
of contract section 3 (``producer``), reading ``cc:alerts`` (``alerts``), the one Redis
connection helper (``redisio``) and the one lease (``lease``). Imports nothing else of OneMap.
"""
