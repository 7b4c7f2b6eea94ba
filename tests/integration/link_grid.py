#!/usr/bin/python3
"""Clara's note-ons (clara-jackprobe's TSV of clara:midi_out) against an Ableton Link session's grid
as clara-link-peer wrote it (GRID: beat, CLOCK_MONOTONIC ns and CLOCK_MONOTONIC_RAW ns of each grid
point as it passed; EVENTS: what, CLOCK_MONOTONIC ns, value lines: joined, tempo, tempo_seen, stop).

    link_grid.py REC GRID EVENTS CLOCK QUANTUM SETTLE_S PCT PCT_MS MAX_MS [PROPOSED_BPM]

CLOCK is the clock of the probe's time_ns (JACK's jack_get_time): monotonic or raw; the grid's
column on that clock is used, and the events' times are moved onto it by the grid's own pairs.
Two windows are measured, each note-on against the nearest grid point:
  steady  from SETTLE_S after Clara joined (her bar lines are put on the session's within two bars)
          to the peer's change of tempo (or its stop);
  change  from one bar (QUANTUM beats at the new tempo) after that change to the first tempo the
          peer saw from another peer (Clara's proposal) or its stop: the change followed within a bar.
In each: at least 10 note-ons, the PCT-th percentile within PCT_MS and the max within MAX_MS. No
note-on may come more than STOP_SEEN_MS (60) after the peer stopped the session (Link passes a
change of state on within 50 ms: its messenger sends at most one message each 50 ms), and every
note ends; how long after the stop her last note-on and her last note-off came is printed. With
PROPOSED_BPM: the peer saw the session's tempo become it (Clara's /clara/tempo proposal).
Prints n, p50, p95, p99, max of each window; a failed check prints why and exits 1."""
import bisect
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from probe_tsv import CheckFailed, is_on, ledger, read_tsv, require_notes  # noqa: E402


# Link 3.0.6's UdpMessenger sends a peer's changed state at most every 50 ms; Clara polls each 1 ms.
STOP_SEEN_MS = 60


def read_grid(path, clock):
    """The grid's times on CLOCK, sorted, and CLOCK minus CLOCK_MONOTONIC at the last point."""
    times, offset = [], 0
    with open(path) as f:
        header = f.readline().split()
        if header != ["beat", "monotonic_ns", "raw_ns"]:
            raise CheckFailed(f"{path}:1: not a link grid header: {header}")
        for n, line in enumerate(f, start=2):
            fields = line.split()
            if len(fields) != 3:
                raise CheckFailed(f"{path}:{n}: expected beat, monotonic_ns and raw_ns, got {line!r}")
            mono, raw = int(fields[1]), int(fields[2])
            t = mono if clock == "monotonic" else raw
            times.append(t)
            offset = t - mono
    if len(times) < 2:
        raise CheckFailed(f"{path}: {len(times)} grid points: the session never played")
    times.sort()
    return times, offset


def read_events(path):
    events = []
    with open(path) as f:
        for n, line in enumerate(f, start=1):
            fields = line.split()
            if len(fields) != 3:
                raise CheckFailed(f"{path}:{n}: expected what, ns, value, got {line!r}")
            events.append((fields[0], int(fields[1]), float(fields[2])))
    return events


def first(events, what, after=None):
    for e in events:
        if e[0] == what and (after is None or e[1] > after):
            return e
    return None


def figures(errors):
    errors = sorted(errors)
    rank = lambda q: errors[min(len(errors) - 1, -(-q * len(errors) // 100) - 1)]
    return {"n": len(errors), "p50": errors[len(errors) // 2], "p95": rank(95), "p99": rank(99), "max": errors[-1],
            "rank": rank}


def check(rec_path, grid_path, events_path, clock, quantum, settle_s, pct, pct_ms, max_ms, proposed=None):
    if clock not in ("monotonic", "raw"):
        raise CheckFailed(f"clock {clock!r}: must be monotonic or raw")
    rows = read_tsv(rec_path)
    require_notes(rec_path, rows)
    grid, offset = read_grid(grid_path, clock)
    # Window edges to a millisecond are enough: the clocks drift apart by well under that in a run.
    events = [(what, t + offset, v) for what, t, v in read_events(events_path)]
    joined = first(events, "joined")
    if joined is None:
        raise CheckFailed(f"{events_path}: the peer never saw another peer join (Clara not in the session)")
    stop = first(events, "stop")
    change = first(events, "tempo")
    proposal = first(events, "tempo_seen", change[1] if change else joined[1])
    end = stop[1] if stop else grid[-1]
    windows = [("steady", joined[1] + int(settle_s * 1e9), change[1] if change else end)]
    if change:
        bar_ns = int(quantum * 60e9 / change[2])
        windows.append(("change", change[1] + bar_ns, proposal[1] if proposal else end))
    onsets = [r[1] for r in rows if is_on(r)]
    failures = []
    for name, begin, until in windows:
        errors = []
        for t in onsets:
            if begin <= t < until:
                i = bisect.bisect_left(grid, t)
                errors.append(min(abs(t - grid[j]) for j in (i - 1, i) if 0 <= j < len(grid)) / 1e6)
        if len(errors) < 10:
            failures.append(f"{name}: only {len(errors)} note-ons in {(until - begin) / 1e9:.1f} s: too few to measure")
            continue
        f = figures(errors)
        print(f"link {name}: {f['n']} onsets over {(until - begin) / 1e9:.1f} s: error p50 {f['p50']:.3f} ms, "
              f"p95 {f['p95']:.3f} ms, p99 {f['p99']:.3f} ms, max {f['max']:.3f} ms "
              f"(limits p{pct} {pct_ms} ms, max {max_ms} ms)")
        if f["rank"](pct) > pct_ms or f["max"] > max_ms:
            failures.append(f"{name}: onsets off the session's grid: p{pct} {f['rank'](pct):.3f} ms (limit {pct_ms}), "
                            f"max {f['max']:.3f} ms (limit {max_ms})")
    after_stop = [t for t in onsets if stop and t > stop[1]]
    late = [t for t in after_stop if t > stop[1] + STOP_SEEN_MS * 1_000_000]
    offs = [r[1] for r in rows if not is_on(r) and (r[2] & 0xF0 in (0x80, 0x90))]
    print(f"link: joined at {joined[2]:.2f} bpm; change {'to %.2f bpm' % change[2] if change else 'none'}; "
          f"proposal seen {'%.2f bpm' % proposal[2] if proposal else 'none'}; note-ons after stop: {len(after_stop)}"
          + (f" (last {(after_stop[-1] - stop[1]) / 1e6:.1f} ms after)" if after_stop else "")
          + (f"; last note-off {(max(offs) - stop[1]) / 1e6:.1f} ms after stop" if stop and offs else ""))
    if stop and late:
        failures.append(f"{len(late)} note-ons more than {STOP_SEEN_MS} ms after the session stopped (first "
                        f"{(late[0] - stop[1]) / 1e6:.1f} ms after)")
    if proposed is not None and not (proposal and abs(proposal[2] - proposed) < 0.01):
        failures.append(f"the peer never saw Clara's proposal of {proposed} bpm "
                        f"(saw {proposal[2] if proposal else 'no change'})")
    if failures:
        raise CheckFailed("; ".join(failures))
    ledger(rec_path)


def main(argv):
    if len(argv) not in (10, 11):
        print(__doc__, file=sys.stderr)
        return 2
    try:
        check(argv[1], argv[2], argv[3], argv[4], float(argv[5]), float(argv[6]), int(argv[7]), float(argv[8]),
              float(argv[9]), float(argv[10]) if len(argv) > 10 else None)
    except CheckFailed as e:
        print(f"FAIL (link_grid {argv[1]}): {e}", file=sys.stderr)
        return 1
    except ValueError as e:
        print(f"link_grid.py: bad arguments: {e}\n{__doc__}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
