"""The process runner: the embedded Redis server and the supervisor of worker and demo processes.

Starts other rooms' programs by module name (``python -m streams.worker``), never imports them.
"""
