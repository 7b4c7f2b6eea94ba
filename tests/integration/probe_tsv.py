#!/usr/bin/python3
"""Checks on clara-jackprobe's TSV (frame, time_ns, status, data1, data2) for the integration tests.

    probe_tsv.py ledger REC              every note-on has its note-off by the end of REC
    probe_tsv.py panic REC [PERIOD]      after the last note message: CC64 0, CC123, CC120, in that
                                         order, on every channel that carried notes; with PERIOD, also
                                         prints how many notes the stop ended ("ended_by_stop N")
    probe_tsv.py stopped REC PERIOD      notes, ledger and panic in one go (one interpreter start per
                                         round of the SIGTERM test)
    probe_tsv.py channels REC CH...      note messages only on these channels (1..16)
    probe_tsv.py notes REC MIN           at least MIN note-ons
    probe_tsv.py answer REC PLAYED BPM RATE PERIOD SILENCE_BEATS
                                         answer mode against the two-phrase fixture (see answer())

Each prints its measured figures; a failed check prints why and exits 1."""
import sys


class CheckFailed(Exception):
    pass


def read_tsv(path):
    """Rows as (frame, time_ns, status, data1, data2), in the order the probe wrote them."""
    rows = []
    with open(path) as f:
        header = f.readline().rstrip("\n").split("\t")
        if header[:3] != ["frame", "time_ns", "status"]:
            raise CheckFailed(f"{path}:1: not a probe TSV header: {header}")
        for n, line in enumerate(f, start=2):
            fields = line.split()
            if len(fields) < 3:
                raise CheckFailed(f"{path}:{n}: expected at least 3 fields, got {line!r}")
            values = [int(x) for x in fields]
            while len(values) < 5:
                values.append(0)
            rows.append(tuple(values[:5]))
    return rows


def is_on(row):
    return row[2] & 0xF0 == 0x90 and row[4] > 0


def is_off(row):
    return row[2] & 0xF0 == 0x80 or (row[2] & 0xF0 == 0x90 and row[4] == 0)


def channel(row):
    return (row[2] & 0x0F) + 1


def notes(rows):
    """Sounding intervals: (channel, key, on_frame, off_frame or None), in note-on order.
    A repeated note-on of a sounding key is reported as a double onset."""
    sounding = {}
    out = []
    doubles = []
    for r in rows:
        key = (channel(r), r[3])
        if is_on(r):
            if key in sounding:
                doubles.append((key, r[0]))
            else:
                sounding[key] = len(out)
                out.append([key[0], key[1], r[0], None])
        elif is_off(r) and key in sounding:
            out[sounding.pop(key)][3] = r[0]
    return [tuple(n) for n in out], doubles


def ledger(path):
    rows = read_tsv(path)
    ns, doubles = notes(rows)
    hanging = [n for n in ns if n[3] is None]
    print(f"ledger: {len(ns)} notes, {len(hanging)} without note-off, {len(doubles)} double note-ons")
    if doubles:
        raise CheckFailed(f"note-on of an already sounding key (channel, key, frame): {doubles[:5]}")
    if hanging:
        raise CheckFailed(f"note-ons without a note-off (channel, key, on frame): "
                          f"{[(c, k, on) for c, k, on, _ in hanging[:10]]}")


def panic(path, period=None):
    rows = read_tsv(path)
    note_rows = [i for i, r in enumerate(rows) if is_on(r) or is_off(r)]
    used = sorted({channel(rows[i]) for i in note_rows}) or [1]
    tail = rows[note_rows[-1] + 1:] if note_rows else rows
    for ch in used:
        order = []
        for r in tail:
            if r[2] == 0xB0 | (ch - 1):
                if r[3] == 64 and r[4] == 0:
                    order.append(64)
                elif r[3] in (123, 120):
                    order.append(r[3])
        seen = [c for c in (64, 123, 120) if c in order]
        if seen != [64, 123, 120]:
            raise CheckFailed(f"channel {ch}: after the last note message expected CC64 0, CC123, CC120; "
                              f"got controllers {order}")
        first = [order.index(c) for c in (64, 123, 120)]
        if first != sorted(first):
            raise CheckFailed(f"channel {ch}: panic controllers out of order: {order}")
    print(f"panic: CC64 0, CC123, CC120 after the last note on channel(s) {used}")
    if period is not None:
        # Notes whose note-off came in the panic's cycle or the one before: the stop ended them.
        stop_frame = next(r[0] for r in tail if r[2] & 0xF0 == 0xB0 and r[3] == 64)
        ns, _ = notes(rows)
        ended = sum(1 for n in ns if n[3] is not None and n[3] >= stop_frame - period)
        print(f"ended_by_stop {ended}")


def channels(path, allowed):
    rows = read_tsv(path)
    seen = {}
    for r in rows:
        if is_on(r) or is_off(r):
            seen[channel(r)] = seen.get(channel(r), 0) + 1
    print(f"channels: note messages per channel {dict(sorted(seen.items()))}")
    stray = sorted(set(seen) - set(allowed))
    if stray:
        raise CheckFailed(f"note messages on channel(s) {stray}; only {sorted(allowed)} expected")


def count_notes(path, minimum):
    n = sum(1 for r in read_tsv(path) if is_on(r))
    print(f"notes: {n} note-ons")
    if n < minimum:
        raise CheckFailed(f"{n} note-ons, expected at least {minimum}")


def phrases(played):
    """The human's notes split into phrases at the longest gap between a note-off and the next note-on."""
    ns, _ = notes(played)
    if len(ns) < 2:
        raise CheckFailed("the played file has fewer than 2 notes")
    gaps = [(ns[i + 1][2] - max(n[3] for n in ns[:i + 1]), i + 1) for i in range(len(ns) - 1)]
    _, split = max(gaps)
    return ns[:split], ns[split:]


def answer(rec_path, played_path, bpm, rate, period, silence_beats):
    """Clara silent while phrase 1 plays and until its silence ends it; answers within one grid step plus
    one period of that moment (the reaction budget, 45 ms at 120 bpm); when phrase 2 starts, Clara starts
    nothing new once the human's first note can have reached its context (the commit horizon: one grid step
    plus one period) until phrase 2 has ended, and its sounding notes end within 3 grid steps."""
    rec = read_tsv(rec_path)
    played = read_tsv(played_path)
    p1, p2 = phrases(played)
    beat = rate * 60.0 / bpm
    step = beat / 12
    ms = lambda frames: frames * 1000.0 / rate
    clara, _ = notes(rec)
    ons = [n[2] for n in clara]

    p1_start, p1_end = p1[0][2], max(n[3] for n in p1)
    condition = p1_end + silence_beats * beat
    early = [f for f in ons if f < condition]
    if early:
        raise CheckFailed(f"Clara played before phrase 1 had ended: note-ons at frames {early[:5]} "
                          f"(phrase 1 {p1_start}..{p1_end}, silence reached at {condition:.0f})")

    p2_start, p2_end = p2[0][2], max(n[3] for n in p2)
    first = [f for f in ons if f >= condition]
    if not first or first[0] >= p2_start:
        raise CheckFailed(f"Clara did not answer phrase 1 before phrase 2 (note-ons {ons[:5]})")
    reaction = first[0] - condition
    budget = step + period
    answer1 = [f for f in ons if condition <= f < p2_start]
    print(f"answer: reaction {ms(reaction):.2f} ms (budget: grid step {ms(step):.2f} + period "
          f"{ms(period):.2f} = {ms(budget):.2f} ms, 45 ms goal); {len(answer1)} notes in answer 1")
    if reaction > budget or ms(reaction) > 45.0:
        raise CheckFailed(f"reaction {ms(reaction):.2f} ms exceeds {ms(budget):.2f} ms")

    horizon = p2_start + step + period
    resume = p2_end + silence_beats * beat
    committed = [f for f in ons if p2_start <= f <= horizon]
    intruding = [f for f in ons if horizon < f < resume]
    if intruding:
        raise CheckFailed(f"Clara started notes while phrase 2 played: frames {intruding[:5]} "
                          f"(phrase 2 {p2_start}..{p2_end}, silence reached at {resume:.0f})")
    cut = [n for n in clara if n[2] < p2_start + step + period and (n[3] is None or n[3] > p2_start)]
    ends = [n[3] - p2_start if n[3] is not None else float("inf") for n in cut]
    worst = max(ends) if ends else 0
    print(f"interrupt: {len(cut)} Clara note(s) sounding when phrase 2 came in ({len(committed)} already "
          f"committed), all off within {ms(worst):.2f} ms = {worst / step:.2f} grid steps (limit 3)")
    if worst > 3 * step:
        raise CheckFailed(f"a Clara note was still sounding {ms(worst):.2f} ms after phrase 2 came in")
    after = [f for f in ons if f >= resume]
    print(f"answer 2: {len(after)} note-ons after phrase 2 ended"
          + (f", reaction {ms(after[0] - resume):.2f} ms" if after else ""))


def main(argv):
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    cmd, path = argv[1], argv[2]
    try:
        if cmd == "ledger":
            ledger(path)
        elif cmd == "panic":
            panic(path, int(argv[3]) if len(argv) > 3 else None)
        elif cmd == "stopped":
            count_notes(path, 0)
            ledger(path)
            panic(path, int(argv[3]))
        elif cmd == "channels":
            channels(path, [int(c) for c in argv[3:]])
        elif cmd == "notes":
            count_notes(path, int(argv[3]))
        elif cmd == "answer":
            answer(path, argv[3], float(argv[4]), int(argv[5]), int(argv[6]), float(argv[7]))
        else:
            print(f"unknown check {cmd!r}\n{__doc__}", file=sys.stderr)
            return 2
    except CheckFailed as e:
        print(f"FAIL ({cmd} {path}): {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
