"""Real public data (../shared/data) converted into city packs and recordings under data/.

One module per source (``chicago``, ``porto``), the simulated patrol tracks of Chicago's beat cars
(``patrol``), shared writers (``common``); ``python -m demo.realdata [SOURCE_DIR]`` regenerates all of it.
"""
