"""The stream side of OneMap: contract, city pack, rules, worker, simulator.

Nothing in this package imports the web side (layouts/, callbacks/, api/).
"""
