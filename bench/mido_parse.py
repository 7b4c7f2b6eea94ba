#!/usr/bin/python3
"""Baseline for bench/encode_bench.sh: parse every .mid under a folder with
Debian's python3-mido (parsing only, no encoding) and print files/s and MB/s."""
import os
import sys
import time

import mido


def main():
    root = sys.argv[1]
    paths = sorted(
        os.path.join(d, f) for d, _, fs in os.walk(root) for f in fs if f.lower().endswith((".mid", ".midi"))
    )
    total_bytes = sum(os.path.getsize(p) for p in paths)
    t0 = time.perf_counter()
    notes = 0
    for p in paths:
        mf = mido.MidiFile(p)
        for track in mf.tracks:
            for msg in track:
                if msg.type == "note_on" and msg.velocity > 0:
                    notes += 1
    dt = time.perf_counter() - t0
    print(f"mido files={len(paths)} bytes={total_bytes} notes={notes} seconds={dt:.3f} "
          f"files_per_s={len(paths) / dt:.1f} mb_per_s={total_bytes / dt / 1e6:.3f}")


if __name__ == "__main__":
    main()
