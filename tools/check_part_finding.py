#!/usr/bin/python3
"""Checks content-based part finding (core/encoding/solo_by_content.cpp) against the answer the
track names give: copies a chamber corpus with every track name, instrument name and program change
removed, encodes the copy with `clara encode --encoding chamber`, and compares each solo found by
content with the part that names and programs pick in the original (the melody-like part with the
highest mean pitch, as part_table.cpp decides). Prints right / declined / wrong counts and every
wrong file; exits 1 if any is wrong.

    tools/check_part_finding.py CLARA ../shared/corpus/chamber WORKDIR
"""
import os
import pathlib
import subprocess
import sys
import tomllib

import mido

KEYBOARD = ["piano", "harp", "organ", "clavier", "cembalo", "keyboard", "celesta", "clavichord", "klavier"]
MELODY = ["violin", "viola", "cello", "flute", "oboe", "clarinet", "recorder", "voice", "piccolo", "string",
          "bassoon", "horn", "trumpet", "trombone", "tuba", "soprano", "alto", "tenor", "bass", "baritone",
          "chant", "vocal", "sax", "fagott"]


def instrument(name, program):
    name = name.lower()
    if any(w in name for w in KEYBOARD):
        return "keyboard"
    if any(w in name for w in MELODY):
        return "melody"
    if 0 <= program <= 23 or program == 46:
        return "keyboard"
    if 40 <= program <= 45 or 52 <= program <= 54 or 56 <= program <= 79:
        return "melody"
    return "other"


def parts(mid):
    """(name, program, pitches) per (track, channel) with notes, in the order clara's reader makes them."""
    out = []
    for track in mid.tracks:
        name, program, pitches, sounding = None, {}, {}, set()
        for msg in track:
            if msg.type == "track_name" and name is None:
                name = msg.name
            elif msg.type == "program_change":
                program.setdefault(msg.channel, msg.program)
            elif msg.type == "note_on" and msg.velocity > 0:
                pitches.setdefault(msg.channel, []).append(msg.note)
        for ch in sorted(pitches):
            out.append((name or "", program.get(ch, 0), pitches[ch]))
    return out


def main():
    clara, corpus, work = sys.argv[1], pathlib.Path(sys.argv[2]), pathlib.Path(sys.argv[3])
    truth = {}
    for path in sorted(corpus.rglob("*.mid")):
        rel = path.relative_to(corpus).as_posix()
        mid = mido.MidiFile(path)
        ps = parts(mid)
        kinds = [instrument(n, p) for n, p, _ in ps]
        if "melody" in kinds and "other" not in kinds:
            means = [sum(x) / len(x) for _, _, x in ps]
            truth[rel] = (max((i for i, k in enumerate(kinds) if k == "melody"), key=lambda i: (means[i], -i)),
                          "with a keyboard part" if "keyboard" in kinds else "melody parts only")
        for track in mid.tracks:
            kept, carry = [], 0
            for msg in track:
                if msg.type in ("track_name", "instrument_name", "program_change"):
                    carry += msg.time
                    continue
                kept.append(msg.copy(time=msg.time + carry))
                carry = 0
            track[:] = kept
        out = work / "corpus" / rel
        out.parent.mkdir(parents=True, exist_ok=True)
        mid.save(out)
    subprocess.run([clara, "encode", "--corpus", str(work / "corpus"), "--encoding", "chamber",
                    "--out", str(work / "encoded")], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    manifest = tomllib.load(open(work / "encoded" / "manifest.toml", "rb"))
    counts, wrong = {}, 0
    for row in manifest["files"]:
        if row["path"] in truth:
            solo, kind = truth[row["path"]]
            verdict = "right" if row["content"]["solo"] == solo else "wrong"
            if verdict == "wrong":
                wrong += 1
                print(f"WRONG {row['path']}: content took part {row['content']['solo']}, the names part {solo}")
            counts[(kind, verdict)] = counts.get((kind, verdict), 0) + 1
    for row in manifest["skipped"]:
        if row["path"] in truth:
            kind = truth[row["path"]][1]
            counts[(kind, "declined")] = counts.get((kind, "declined"), 0) + 1
    print(f"{len(truth)} files placed by names or programs; with those removed, content:")
    for (kind, verdict), n in sorted(counts.items()):
        print(f"  {kind}: {verdict} {n}")
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main())
