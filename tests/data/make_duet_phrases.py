#!/usr/bin/python3
"""Writes duet_phrases.mid: two piano phrases for the daemon's answer-mode tests, 120 bpm.
Phrase 1: eight quarter notes up a C major scale (0-4 s). A 3 s gap lets Clara answer after the
1-beat silence; phrase 2 (7-9 s) comes in while Clara's 2-bar answer would still be playing."""
import mido

def main():
    mid = mido.MidiFile(type=1, ticks_per_beat=480)
    tempo = mido.MidiTrack(); tempo.append(mido.MetaMessage('set_tempo', tempo=500000, time=0)); mid.tracks.append(tempo)
    t = mido.MidiTrack(); t.append(mido.MetaMessage('track_name', name='Human', time=0)); mid.tracks.append(t)
    events = []  # (tick, msg)
    for i, key in enumerate([60, 62, 64, 65, 67, 69, 71, 72]):
        events.append((i * 480, mido.Message('note_on', note=key, velocity=90)))
        events.append((i * 480 + 400, mido.Message('note_off', note=key, velocity=0)))
    for i, key in enumerate([67, 65, 64, 62]):  # phrase 2 at beat 14 (7 s)
        events.append(((14 + i) * 480, mido.Message('note_on', note=key, velocity=70)))
        events.append(((14 + i) * 480 + 400, mido.Message('note_off', note=key, velocity=0)))
    events.sort(key=lambda e: e[0])
    now = 0
    for tick, msg in events:
        t.append(msg.copy(time=tick - now)); now = tick
    mid.save('duet_phrases.mid')

if __name__ == '__main__':
    main()
