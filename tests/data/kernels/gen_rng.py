#!/usr/bin/python3
"""Reference outputs of ffnn_rng (lib/rng.c) for tests/unit/test_rng.c: an
independent Python transcription of splitmix64 seeding over
(seed, purpose, index) and xoshiro256** (Blackman & Vigna), so a change to
the generator, which would change every seeded result, is caught.

    /usr/bin/python3 tests/data/kernels/gen_rng.py
"""
M = (1 << 64) - 1


def splitmix64(state):
    state = (state + 0x9E3779B97F4A7C15) & M
    z = state
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M
    return state, z ^ (z >> 31)


def init(seed, purpose, index):
    x, h = splitmix64(seed)
    x = h ^ ((purpose * 0xD1342543DE82EF95) & M)
    x, h = splitmix64(x)
    x = h ^ ((index * 0x9E3779B97F4A7C15 + 0x632BE59BD9B4E019) & M)
    s = []
    for _ in range(4):
        x, v = splitmix64(x)
        s.append(v)
    return s


def rotl(x, k):
    return ((x << k) | (x >> (64 - k))) & M


def next_u64(s):
    result = (rotl((s[1] * 5) & M, 7) * 9) & M
    t = (s[1] << 17) & M
    s[2] ^= s[0]
    s[3] ^= s[1]
    s[1] ^= s[2]
    s[0] ^= s[3]
    s[2] ^= t
    s[3] = rotl(s[3], 45)
    return result


for seed, purpose, index in ((42, 1, 0), (0, 3, 7)):
    s = init(seed, purpose, index)
    vals = ", ".join("0x%016xULL" % next_u64(s) for _ in range(4))
    print("/* seed %d, purpose %d, index %d */ {%s}," % (seed, purpose, index, vals))
