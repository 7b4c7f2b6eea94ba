#!/usr/bin/python3
"""Writes violin_phrase.mid: a violin line on MIDI channel 2 for the chamber accompany test, 120 bpm.
Two 2-bar phrases in the violin's range (G3 up), quarters and halves, 8 s in all; channel 2 so that a
test can tell the human's channel from Clara's piano on channel 1."""
import mido

PHRASE = [(67, 1), (71, 1), (74, 1), (79, 1), (78, 2), (74, 2),     # G4 B4 D5 G5 | F#5 D5
          (76, 1), (74, 1), (72, 1), (71, 1), (69, 2), (67, 2)]     # E5 D5 C5 B4 | A4 G4

def main():
    mid = mido.MidiFile(type=1, ticks_per_beat=480)
    tempo = mido.MidiTrack(); tempo.append(mido.MetaMessage('set_tempo', tempo=500000, time=0)); mid.tracks.append(tempo)
    t = mido.MidiTrack(); t.append(mido.MetaMessage('track_name', name='Violin', time=0)); mid.tracks.append(t)
    t.append(mido.Message('program_change', channel=1, program=40, time=0))
    gap = 0
    for key, beats in PHRASE:
        t.append(mido.Message('note_on', channel=1, note=key, velocity=80, time=gap))
        t.append(mido.Message('note_off', channel=1, note=key, velocity=0, time=beats * 480 - 40))
        gap = 40
    mid.save('violin_phrase.mid')

if __name__ == '__main__':
    main()
