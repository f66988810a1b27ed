"""View models: pure functions that turn Redis data and the city pack into what screens show.

No Redis, no Dash, no clock here: the socket bridge (``web.bridge``) and the callbacks read
and write Redis, then call these functions; ``tests/web`` tests them with plain objects.
"""
