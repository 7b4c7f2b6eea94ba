#!/usr/bin/env python3
"""Writes the hand-made hostile SMF files of tests/data/fuzz_regressions/.

Each one aims at one check of the reader (see core/midi/smf_reader.cpp); the
regression runner requires that none of them crashes and that each one's
outcome (error message, or what was read) matches FILE.mid.expected beside it.
Rerun after editing: python3 tests/data/make_fuzz_seeds.py, then
build/bin/midi_regression_runner --update tests/data/fuzz_regressions and check
the .expected diff by hand.
"""
import os
import struct

here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fuzz_regressions")


def header(fmt=1, ntrks=1, division=96, length=6):
    return b"MThd" + struct.pack(">IHHH", length, fmt, ntrks, division)


def track(body, length=None):
    return b"MTrk" + struct.pack(">I", len(body) if length is None else length) + body


EOT = b"\x00\xff\x2f\x00"
seeds = {
    "empty.mid": b"",
    "truncated_header.mid": b"MThd\x00\x00",
    "header_length_short.mid": b"MThd" + struct.pack(">I", 5) + b"\x00\x01\x00\x01\x00",
    "header_length_huge.mid": b"MThd\xff\xff\xff\xff\x00\x01\x00\x01\x00\x60",
    "format2.mid": header(fmt=2) + track(EOT),
    "division_zero.mid": header(division=0) + track(EOT),
    "smpte_bad_rate.mid": header(division=0xE928) + track(EOT),
    "track_count_mismatch.mid": header(ntrks=3) + track(EOT),
    "track_length_huge.mid": header() + track(EOT, length=0xFFFFFFF0),
    "truncated_chunk_header.mid": header() + track(EOT) + b"MTr",
    "vlq_5_bytes.mid": header() + track(b"\x80\x80\x80\x80\x00\x90\x3c\x40" + EOT),
    "vlq_truncated.mid": header() + track(b"\x81\x82"),
    "running_status_missing.mid": header() + track(b"\x00\x3c\x40" + EOT),
    "meta_length_beyond_track.mid": header() + track(b"\x00\xff\x03\x7fabc" + EOT),
    "sysex_length_huge.mid": header() + track(b"\x00\xf0\x8f\xff\xff\x7f\x01\x02" + EOT),
    "events_after_eot.mid": header() + track(EOT + b"\x00\x90\x3c\x40"),
    "tempo_zero.mid": header() + track(b"\x00\xff\x51\x03\x00\x00\x00" + EOT),
    "truncated_note.mid": header() + track(b"\x00\x90\x3c"),
    # These parse: far-apart notes make the writer bridge gaps longer than one
    # delta time; SMPTE timing; no End-of-Track; running status across a meta.
    "far_apart_notes.mid": header(division=1)
    + track(b"\x00\x90\x3c\x40\x87\xff\xff\x7f\x3c\x00\x00\x3e\x40"),
    "smpte_division.mid": header(division=0xE728)
    + track(b"\x00\x90\x3c\x40\x28\x80\x3c\x40" + EOT),
    "running_status_across_meta.mid": header(fmt=0)
    + track(b"\x00\x91\x3c\x40\x00\xff\x01\x01x\x10\x3c\x00\x00\xf0\x02\x01\xf7" + EOT),
}

os.makedirs(here, exist_ok=True)
for name, data in seeds.items():
    with open(os.path.join(here, name), "wb") as f:
        f.write(data)
