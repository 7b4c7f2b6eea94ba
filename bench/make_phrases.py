#!/usr/bin/python3
"""Writes a phrase file for bench/clarad_latency.sh: N short piano phrases at 120 bpm, each
followed by a gap long enough for Clara's whole answer (1 beat of silence + 2 bars + margin),
so every phrase end gets its own answer. Seeded, so a given N always gives the same file.
usage: make_phrases.py N OUT.mid"""
import random
import sys

import mido

BEAT = 480          # ticks per quarter
NOTES = 6           # eighth notes per phrase
GAP_BEATS = 12      # from the phrase's last note-off to the next phrase (6 s at 120 bpm)


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    count, out = int(sys.argv[1]), sys.argv[2]
    rng = random.Random(5)
    mid = mido.MidiFile(type=1, ticks_per_beat=BEAT)
    tempo = mido.MidiTrack()
    tempo.append(mido.MetaMessage('set_tempo', tempo=500000, time=0))
    mid.tracks.append(tempo)
    track = mido.MidiTrack()
    track.append(mido.MetaMessage('track_name', name='Human', time=0))
    mid.tracks.append(track)
    events = []  # (tick, order, message): note-offs before note-ons at the same tick
    start = 0
    scale = [0, 2, 4, 5, 7, 9, 11]
    for _ in range(count):
        root = 60 + rng.choice([-5, -3, 0, 2, 5])
        degree = rng.randrange(7)
        for i in range(NOTES):
            degree += rng.choice([-2, -1, 1, 1, 2])
            key = root + 12 * (degree // 7) + scale[degree % 7]
            on = start + i * BEAT // 2
            events.append((on, 1, mido.Message('note_on', note=key, velocity=rng.randint(60, 100))))
            events.append((on + BEAT // 2 - 40, 0, mido.Message('note_off', note=key, velocity=0)))
        start += NOTES * BEAT // 2 + GAP_BEATS * BEAT
    events.sort(key=lambda e: (e[0], e[1]))
    now = 0
    for tick, _, msg in events:
        track.append(msg.copy(time=tick - now))
        now = tick
    mid.save(out)


if __name__ == '__main__':
    main()
