"""The track push of a commit (streams/commit.py PUSH_TRACKS): newest first, at most MAX_TRACK fixes
per subject, the time to live renewed on every push, several fixes of one subject in one call."""

from __future__ import annotations

import redis

from streams.commit import MAX_TRACK, PUSH_TRACKS, TRACK_TTL_MS


def test_a_track_keeps_the_newest_fixes_newest_first(r: redis.Redis) -> None:
    push = r.register_script(PUSH_TRACKS)
    for batch in range(3):  # 3 x 100 fixes of A, one fix of B per batch
        keys = ["trk:A"] * 100 + ["trk:B"]  # KEYS: the track of each fix; ARGV: max, TTL, the fixes
        fixes = [f"a{batch * 100 + i}" for i in range(100)] + [f"b{batch}"]
        push(keys=keys, args=[MAX_TRACK, TRACK_TTL_MS, *fixes])
        assert r.llen("trk:A") == min(MAX_TRACK, (batch + 1) * 100)
    assert r.lrange("trk:A", 0, 2) == ["a299", "a298", "a297"]
    assert r.lindex("trk:A", -1) == f"a{300 - MAX_TRACK}"
    assert r.lrange("trk:B", 0, -1) == ["b2", "b1", "b0"]
    assert 0 < r.pttl("trk:A") <= TRACK_TTL_MS and 0 < r.pttl("trk:B") <= TRACK_TTL_MS
