"""The demo: the simulator, its world and scripted incidents, and the demo city builder.

A producer like any other: it writes contract section 3 messages into the input partitions.
Nothing below it (worker, city, core) and nothing of the API imports it.
"""
