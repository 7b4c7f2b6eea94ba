#!/usr/bin/python3
"""Writes chamber_parts/: tiny solo + piano files whose answer is known, for the CLI test of
content-based part finding (`clara encode --corpus chamber_parts --encoding chamber`).
  unnamed/line_over_chords.mid  a violin-like line over piano chords, no names, program 0
                                everywhere, the line on the LAST track: found by content
  named/violin_over_chords.mid  the same notes, the line named 'Violin': found by name
  unclear/two_lines.mid         two lines a minor third apart over the chords: cannot be
                                decided, skipped with the reason
Eight bars of 4/4 at 120 bpm, 480 ticks a quarter."""
import os
import mido

TPQ = 480
LINE = [67, 69, 71, 72, 74, 72, 71, 69]


def track(name, notes, channel):
    """notes: (pitch, start_quarters, length_quarters); note-offs before note-ons at one tick."""
    t = mido.MidiTrack()
    if name:
        t.append(mido.MetaMessage('track_name', name=name, time=0))
    events = []
    for pitch, start, length in notes:
        events.append((round((start + length) * TPQ), 0, pitch))
        events.append((round(start * TPQ), 1, pitch))
    now = 0
    for tick, on, pitch in sorted(events):
        t.append(mido.Message('note_on' if on else 'note_off', channel=channel, note=pitch,
                              velocity=80 if on else 0, time=tick - now))
        now = tick
    return t


def line(shift=0):
    return [(LINE[i % 8] + shift, i, 0.9) for i in range(32)]


def chords():
    return [((60 if i % 2 == 0 else 62) + k, 2 * i, 2) for i in range(16) for k in (0, 4, 7)]


def bass():
    return [((36 if i % 2 == 0 else 43) + o, 2 * i, 2) for i in range(16) for o in (0, 12)]


def write(path, tracks):
    mid = mido.MidiFile(type=1, ticks_per_beat=TPQ)
    tempo = mido.MidiTrack()
    tempo.append(mido.MetaMessage('set_tempo', tempo=500000, time=0))
    mid.tracks.append(tempo)
    mid.tracks.extend(tracks)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    mid.save(path)


def main():
    root = 'chamber_parts'
    write(f'{root}/unnamed/line_over_chords.mid',
          [track('upper:', chords(), 0), track('lower:', bass(), 1), track('', line(), 2)])
    write(f'{root}/named/violin_over_chords.mid',
          [track('Violin', line(), 0), track('', chords(), 1), track('', bass(), 2)])
    write(f'{root}/unclear/two_lines.mid',
          [track('', line(), 0), track('', line(-3), 1), track('', chords(), 2), track('', bass(), 3)])


if __name__ == '__main__':
    main()
