#!/usr/bin/python3
"""Checks on clara-jackprobe's TSV (frame, time_ns, status, data1, data2) for the integration tests.
REC may also be what `jack_midi_dump -a` printed (lines "FRAME: b0 7b 00 ..."), the listen-only
client of the signal test, read as TSV rows with time_ns 0.

Every check needs at least one note-on in REC: a recording of nothing proves nothing, so an empty
one fails each of them.

    probe_tsv.py ledger REC              every note-on has its note-off by the end of REC
    probe_tsv.py panic REC [PERIOD]      after the last note message (so after Clara's last note-on,
                                         never the start-up panic): CC64 0, CC123, CC120, in that
                                         order, on every channel that carried notes; with PERIOD, also
                                         prints how many notes the stop ended ("ended_by_stop N")
    probe_tsv.py stopped REC PERIOD      notes (at least 1), ledger and panic in one go (one
                                         interpreter start per round of the signal test)
    probe_tsv.py channels REC CH...      note messages only on these channels (1..16)
    probe_tsv.py notes REC MIN           at least MIN note-ons (MIN >= 1)
    probe_tsv.py program REC CH PROGRAM  a program change to PROGRAM (0..127) on channel CH comes
                                         before the first note-on, and every note-on is on CH
    probe_tsv.py wait-sounding REC SEC   REC still being written: waits (SEC at most) until it shows
                                         a note-on without its note-off, prints it and exits 0;
                                         exits 1 if none comes in time
    probe_tsv.py answer REC PLAYED BPM RATE PERIOD SILENCE_BEATS
                                         answer mode against the two-phrase fixture (see answer())
    probe_tsv.py clock REC GRID RATE TICKS_PER_STEP FROM_TICK PCT_MS MAX_MS [PCT]
                                         Clara on a MIDI Clock master's grid (see clock())
    probe_tsv.py clock-out REC RATE BPM BPM_AFTER
                                         Clara as MIDI Clock master: Start, ticks at one tempo then
                                         the other, Stop, her notes on the ticks (see clock_out())
    probe_tsv.py metronome REC BEATS_PER_BAR COUNT_IN_BARS
                                         with clock out: a click on every beat by the clock, the
                                         bar's first accented, Clara silent through the count-in
    probe_tsv.py follow REC PLAYED BPM CONFIGURED_BPM RATE FROM_ANSWER IOI_P90_MS PHASE_P50_MS [LATE]
                                         answer mode with --sync follow: Clara's answers on the
                                         human's grid (see follow())

Each prints its measured figures; a failed check prints why and exits 1."""
import sys


class CheckFailed(Exception):
    pass


def read_dump(path, lines):
    """jack_midi_dump -a lines: "FRAME: STATUS DATA1 DATA2 description", bytes in hex."""
    rows = []
    for n, line in enumerate(lines, start=1):
        head, sep, rest = line.partition(":")
        fields = rest.split()
        try:
            frame = int(head)
            data = [int(x, 16) for x in fields[:3] if len(x) == 2]
        except ValueError:
            raise CheckFailed(f"{path}:{n}: neither a probe TSV nor jack_midi_dump output: {line!r}")
        if not sep or not data:
            raise CheckFailed(f"{path}:{n}: neither a probe TSV nor jack_midi_dump output: {line!r}")
        while len(data) < 3:
            data.append(0)
        rows.append((frame, 0, data[0], data[1], data[2]))
    return rows


def read_tsv(path):
    """Rows as (frame, time_ns, status, data1, data2), in the order the probe wrote them."""
    rows = []
    with open(path) as f:
        first = f.readline()
        if first and not first.startswith("frame"):
            # The live monitor's file can end in a half-written line while it is read.
            lines = [first] + f.readlines()
            if lines and not lines[-1].endswith("\n"):
                lines.pop()
            return read_dump(path, [l for l in lines if l.strip()])
        header = first.rstrip("\n").split("\t")
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


def require_notes(path, rows):
    if not any(is_on(r) for r in rows):
        raise CheckFailed(f"no note-on in {path}: nothing to check")


def ledger(path):
    rows = read_tsv(path)
    require_notes(path, rows)
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
    # Without a note the only panic in the recording is clarad's start-up one, which says nothing
    # about the stop.
    require_notes(path, rows)
    note_rows = [i for i, r in enumerate(rows) if is_on(r) or is_off(r)]
    used = sorted({channel(rows[i]) for i in note_rows})
    tail = rows[note_rows[-1] + 1:]
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
    require_notes(path, rows)
    seen = {}
    for r in rows:
        if is_on(r) or is_off(r):
            seen[channel(r)] = seen.get(channel(r), 0) + 1
    print(f"channels: note messages per channel {dict(sorted(seen.items()))}")
    stray = sorted(set(seen) - set(allowed))
    if stray:
        raise CheckFailed(f"note messages on channel(s) {stray}; only {sorted(allowed)} expected")


def count_notes(path, minimum):
    if minimum < 1:
        raise ValueError(f"notes: MIN is {minimum}; at least 1 (a minimum of 0 checks nothing)")
    n = sum(1 for r in read_tsv(path) if is_on(r))
    print(f"notes: {n} note-ons")
    if n < minimum:
        raise CheckFailed(f"{n} note-ons, expected at least {minimum}")


def program(path, ch, prog):
    rows = read_tsv(path)
    require_notes(path, rows)
    first_on = next(i for i, r in enumerate(rows) if is_on(r))
    changes = [(channel(r), r[3]) for r in rows[:first_on] if r[2] & 0xF0 == 0xC0]
    print(f"program: program changes before the first note-on (channel, program): {changes}")
    if (ch, prog) not in changes:
        raise CheckFailed(f"no program change to {prog} on channel {ch} before the first note-on "
                          f"(frame {rows[first_on][0]})")
    stray = sorted({channel(r) for r in rows if is_on(r)} - {ch})
    if stray:
        raise CheckFailed(f"note-ons on channel(s) {stray}; the route sends them to channel {ch}")


def wait_sounding(path, seconds):
    """Polls the live file: the signal test signals clarad only while one of Clara's notes sounds."""
    import time
    deadline = time.monotonic() + seconds
    while True:
        try:
            ns, _ = notes(read_tsv(path))
        except FileNotFoundError:
            ns = []
        hanging = [n for n in ns if n[3] is None]
        if hanging:
            c, k, on, _ = hanging[-1]
            print(f"sounding: channel {c} key {k} since frame {on}")
            return
        if time.monotonic() >= deadline:
            raise CheckFailed(f"no note of Clara's sounding within {seconds} s ({len(ns)} notes, all ended)")
        time.sleep(0.005)


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
    plus one period) until phrase 2 has ended, and its sounding notes end within 2 grid steps (docs/daemon.md:
    "one to two grid steps after the human's note"); after phrase 2 Clara answers again, within the same
    reaction budget."""
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
          f"committed), all off within {ms(worst):.2f} ms = {worst / step:.2f} grid steps (limit 2 + one period)")
    # The human's message is read in the JACK cycle after it arrives: one period on top.
    if worst > 2 * step + period:
        raise CheckFailed(f"a Clara note was still sounding {ms(worst):.2f} ms = {worst / step:.2f} grid steps "
                          f"after phrase 2 came in (docs/daemon.md: one to two grid steps plus one JACK period, {ms(2 * step + period):.2f} ms)")
    after = [f for f in ons if f >= resume]
    print(f"answer 2: {len(after)} note-ons after phrase 2 ended"
          + (f", reaction {ms(after[0] - resume):.2f} ms" if after else ""))
    if not after:
        raise CheckFailed(f"Clara did not answer phrase 2 (silence reached at frame {resume:.0f})")
    if after[0] - resume > budget or ms(after[0] - resume) > 45.0:
        raise CheckFailed(f"answer 2: reaction {ms(after[0] - resume):.2f} ms exceeds {ms(budget):.2f} ms")


def clock(rec_path, grid_path, rate, ticks_per_step, from_tick, pct_ms, max_ms, pct=99):
    """Clara's note-ons against a clock master's ideal grid (GRID: song tick, fractional frame, as
    clara-jackprobe --grid-out writes it): each note-on from song tick FROM_TICK on is compared with
    the nearest grid step (every TICKS_PER_STEP ticks); the PCT-th percentile (default 99) and the
    max of the distance must stay within PCT_MS and MAX_MS. The master's Stop comes half a tick after the last grid tick: no note-on may
    follow it by more than two JACK periods' worth (5 ms), and every note ends."""
    rows = read_tsv(rec_path)
    require_notes(rec_path, rows)
    grid = []
    with open(grid_path) as f:
        header = f.readline().split()
        if header != ["song_tick", "frame"]:
            raise CheckFailed(f"{grid_path}:1: not a grid header: {header}")
        for line in f:
            tick, frame = line.split()
            grid.append(float(frame))
    if len(grid) <= from_tick:
        raise CheckFailed(f"{grid_path}: {len(grid)} ticks, none from tick {from_tick}")
    steps = grid[::ticks_per_step]
    tick_frames = (grid[-1] - grid[-2])
    stop_frame = grid[-1] + tick_frames / 2
    errors, late = [], []
    import bisect
    for r in rows:
        if not is_on(r):
            continue
        f = r[0]
        if f > stop_frame + 5e-3 * rate:
            late.append(f)
            continue
        if f < grid[from_tick] - tick_frames:
            continue
        i = bisect.bisect_left(steps, f)
        d = min(abs(f - steps[j]) for j in (i - 1, i) if 0 <= j < len(steps))
        errors.append(d / rate * 1e3)
    if len(errors) < 10:
        raise CheckFailed(f"only {len(errors)} note-ons from tick {from_tick} on: too few to measure")
    errors.sort()
    p50 = errors[len(errors) // 2]
    rank = lambda q: errors[min(len(errors) - 1, -(-q * len(errors) // 100) - 1)]
    p95, p99, at_pct = rank(95), rank(99), rank(pct)
    print(f"clock: {len(errors)} onsets from song tick {from_tick}: error p50 {p50:.3f} ms, p95 {p95:.3f} ms, "
          f"p99 {p99:.3f} ms, max {errors[-1]:.3f} ms (limits p{pct} {pct_ms} ms, max {max_ms} ms); "
          f"note-ons after Stop: {len(late)}")
    if late:
        raise CheckFailed(f"{len(late)} note-ons after the master's Stop (first at frame {late[0]}, Stop at {stop_frame:.0f})")
    if at_pct > pct_ms or errors[-1] > max_ms:
        raise CheckFailed(f"onsets off the master's grid: p{pct} {at_pct:.3f} ms (limit {pct_ms}), "
                          f"max {errors[-1]:.3f} ms (limit {max_ms})")
    ledger(rec_path)


def clock_out(path, rate, bpm_before, bpm_after, min_ticks=100, tolerance_frames=2):
    """Clara as MIDI Clock master: one Start before the first tick, one Stop after the last; the
    ticks' spacing is 24 a quarter at bpm_before and then, after a tempo change, at bpm_after
    (within tolerance_frames; at most 1 % of the spacings may be neither, for a stall's slide);
    at least min_ticks at each tempo; and every one of Clara's note-ons falls on a tick's frame
    (her notes and her clock share one grid)."""
    rows = read_tsv(path)
    starts = [i for i, r in enumerate(rows) if r[2] == 0xFA]
    stops = [i for i, r in enumerate(rows) if r[2] == 0xFC]
    ticks = [i for i, r in enumerate(rows) if r[2] == 0xF8]
    if len(starts) != 1:
        raise CheckFailed(f"{len(starts)} Start messages, expected 1")
    if len(stops) != 1:
        raise CheckFailed(f"{len(stops)} Stop messages, expected 1")
    if not ticks:
        raise CheckFailed("no clock ticks")
    if starts[0] > ticks[0] or rows[starts[0]][0] > rows[ticks[0]][0]:
        raise CheckFailed("the Start came after the first tick")
    if stops[0] < ticks[-1] or rows[stops[0]][0] < rows[ticks[-1]][0]:
        raise CheckFailed("a tick came after the Stop")
    frames = [rows[i][0] for i in ticks]
    # Spacing on JACK's clock (the frames' times): the dummy driver's frame counter drifts
    # against it by a few frames a second, and the grid is kept on the clock.
    times = [rows[i][1] for i in ticks]
    gaps = [(b - a) / 1e3 for a, b in zip(times, times[1:])]
    before = 60e6 / (bpm_before * 24)
    after = 60e6 / (bpm_after * 24)
    tolerance_us = tolerance_frames * 1e6 / rate
    n_before = n_after = 0
    odd = []
    for k, g in enumerate(gaps):
        if abs(g - before) <= tolerance_us and n_after == 0:
            n_before += 1
        elif abs(g - after) <= tolerance_us:
            n_after += 1
        else:
            odd.append((k, round(g, 1)))
    print(f"clock out: {len(ticks)} ticks, Start at frame {rows[starts[0]][0]} (first tick "
          f"{frames[0]}), Stop at {rows[stops[0]][0]}; spacing {n_before} x {before:.1f} us "
          f"({bpm_before} bpm), then {n_after} x {after:.1f} us ({bpm_after} bpm), each within "
          f"{tolerance_us:.1f} us; {len(odd)} other" + (f": {odd[:5]}" if odd else ""))
    if n_before < min_ticks or n_after < min_ticks:
        raise CheckFailed(f"expected at least {min_ticks} spacings at each tempo")
    if len(odd) > len(gaps) // 100:
        raise CheckFailed(f"{len(odd)} tick spacings at neither tempo")
    tick_frames = set(frames)
    ons = [r for r in rows if is_on(r)]
    off_grid = [r for r in ons if not any(((r[0] + d) % (1 << 32)) in tick_frames for d in (-1, 0, 1))]
    print(f"clock out: {len(ons)} note-ons, {len(off_grid)} not on a tick's frame")
    if not ons:
        raise CheckFailed("Clara played no note")
    if off_grid:
        raise CheckFailed(f"note-ons off the clock's grid, first at frame {off_grid[0][0]}")


def metronome(path, beats_per_bar, count_in_bars):
    """With clock out on: a click (note-on, channel 10) on every 24th tick from the Start, key 76
    on each bar's first beat and 77 on the others, each ended; no note-on of Clara's (any other
    channel) before the count-in's end; and some after it."""
    rows = read_tsv(path)
    ticks = [r for r in rows if r[2] == 0xF8]
    if not ticks:
        raise CheckFailed("no clock ticks to place the beats with")
    beat_frames = [t[0] for t in ticks[::24]]
    clicks = [r for r in rows if r[2] == 0x99 and r[4] > 0]
    offs = [r for r in rows if (r[2] == 0x89) or (r[2] == 0x99 and r[4] == 0)]
    clara = [r for r in rows if is_on(r) and channel(r) != 10]
    count_in_end = beat_frames[count_in_bars * beats_per_bar] if len(beat_frames) > count_in_bars * beats_per_bar else None
    print(f"metronome: {len(clicks)} clicks, {len(offs)} ended, {len(beat_frames)} beats by the clock; "
          f"Clara's note-ons: {len(clara)}")
    click_frames = {r[0]: r[3] for r in clicks}
    # Every beat the clock has, but the last (its click may be cut by the stop), has its click.
    for b, frame in enumerate(beat_frames[:-1]):
        if frame not in click_frames:
            raise CheckFailed(f"no click on beat {b} (frame {frame})")
        want = 76 if b % beats_per_bar == 0 else 77
        if click_frames[frame] != want:
            raise CheckFailed(f"beat {b} clicked key {click_frames[frame]}, expected {want}")
    if len(clicks) > len(beat_frames):
        raise CheckFailed(f"{len(clicks)} clicks for {len(beat_frames)} beats")
    if len(offs) != len(clicks):
        raise CheckFailed(f"{len(clicks)} clicks but {len(offs)} click note-offs")
    if count_in_end is None:
        raise CheckFailed("the recording ends inside the count-in")
    early = [r for r in clara if ((r[0] - count_in_end) % (1 << 32)) >= (1 << 31)]
    if early:
        raise CheckFailed(f"{len(early)} of Clara's note-ons inside the count-in, first at frame {early[0][0]}")
    if not clara:
        raise CheckFailed("Clara played nothing after the count-in")


def human_phrases(played, gap):
    """The human's notes split into phrases wherever no key is down for more than GAP frames."""
    ns, _ = notes(played)
    if not ns:
        raise CheckFailed("the played file has no notes")
    out, end = [[ns[0]]], ns[0][3] or ns[0][2]
    for n in ns[1:]:
        if n[2] - end > gap:
            out.append([])
        out[-1].append(n)
        end = max(end, n[3] or n[2])
    return out


def follow(rec_path, played_path, bpm, configured_bpm, rate, from_answer, ioi_p90_ms, phase_p50_ms, late=0):
    """Clara's answers against the human's grid, the human playing at BPM (their first note-on on a
    beat) and clarad configured at CONFIGURED_BPM with --sync follow. An answer is Clara's note-ons
    between the end of one human phrase and the start of the next (phrases: no key down for two
    beats). The port shows Clara's grid steps (12 a beat), not which of them is a beat, so from answer
    FROM_ANSWER (0-based) on:
      - tempo: every interval between her successive onsets against the nearest multiple of the
        human's step (a beat / 12); on a grid at another tempo most intervals miss it (at 120 bpm
        against 96, a 6-step eighth misses by 10 ms). Its p90 must be within IOI_P90_MS, and each
        answer's tempo (her intervals over their steps) within 4 % of BPM;
      - phase: every onset's distance to the human's nearest step (uniform, p50 a quarter step, on
        an unaligned grid); its p50 within PHASE_P50_MS.
    The same interval figure against CONFIGURED_BPM's step is printed for comparison. LATE (frames,
    default 0) is taken off Clara's onsets for the phase: a probe that also plays into clarad hears
    her a JACK period late. Every note ends.
    Times are JACK's clock (time_ns, in frames of RATE), the clock clarad hears and plays by, not
    the frame counter the probe plays the human by: on a loaded machine the dummy driver's counter
    falls behind the clock, in xruns and in between (CI: 10 ms in three xruns, and an answer
    measured 24 ms off on the counter; here, under load, 28 ms over 35 s, 10 of them inside one
    phrase). The human clarad heard is therefore not the score's: each answer is measured against
    the grid of the human's own onsets in the last two bars of the phrase before it, as heard (a
    least-squares line through their clock times against their steps in the score), continued.
    Following means following that; on an idle machine it is the score's grid within a few ms."""
    rec = read_tsv(rec_path)
    require_notes(rec_path, rec)
    played = read_tsv(played_path)
    if not played or any(r[1] == 0 for r in played + rec):
        raise CheckFailed(f"{rec_path}, {played_path}: follow needs the probe's time_ns on every row")
    t0 = played[0][1]
    on_clock = lambda rows: [((r[1] - t0) * rate / 1e9,) + tuple(r[1:]) for r in rows]
    counter = {(r[1] - t0) * rate / 1e9: r[0] for r in played}  # a played row's clock -> its frame
    counter_origin = next(r[0] for r in played if is_on(r))
    rec, played = on_clock(rec), on_clock(played)
    beat = rate * 60.0 / bpm
    hstep = beat / 12
    cstep = rate * 60.0 / configured_bpm / 12
    ms = lambda frames: frames * 1000.0 / rate
    phrases_ = human_phrases(played, 2 * beat)
    origin = phrases_[0][0][2]
    clara, _ = notes(rec)
    ons = sorted({n[2] for n in clara})
    signed = lambda x, step: x - round(x / step) * step
    residual = lambda x, step: abs(signed(x, step))
    iois, iois_configured, phases, off_tempo, measured = [], [], [], [], 0
    for k, ph in enumerate(phrases_):
        start = max(n[3] or n[2] for n in ph)
        end = phrases_[k + 1][0][2] if k + 1 < len(phrases_) else float("inf")
        # The human as heard: their onsets (a chord's first note) in the phrase's last two bars,
        # clock time against score step (by the counter, which the probe played them by).
        heard = sorted({(n[2], counter[n[2]]) for n in ph})
        heard = [x for i, x in enumerate(heard) if i == 0 or x[0] - heard[i - 1][0] > 0.02 * rate]
        heard = [x for x in heard if x[0] >= heard[-1][0] - 8 * beat]
        score = [round((c - counter_origin) / hstep) for _, c in heard]
        clock_at = [t for t, _ in heard]
        n_ = len(heard)
        ms_, mt = sum(score) / n_, sum(clock_at) / n_
        var = sum((x - ms_) ** 2 for x in score)
        step_heard = sum((x - ms_) * (t - mt) for x, t in zip(score, clock_at)) / var if var else hstep
        grid0 = mt - step_heard * ms_  # the clock time of the score's step 0, as heard
        # Where the heard grid stands at the phrase's last onset, against the score's.
        moved = grid0 + step_heard * score[-1] - (origin + hstep * score[-1])
        a = [f for f in ons if start < f < end]
        gaps = [y - x for x, y in zip(a, a[1:])]
        steps = sum(round(g / hstep) for g in gaps)
        est = 60.0 * rate / (12 * sum(gaps) / steps) if steps else 0.0
        ph_ms = [ms(residual(f - late - grid0, step_heard)) for f in a]
        p50 = sorted(ph_ms)[len(ph_ms) // 2] if ph_ms else 0.0
        print(f"follow: answer {k + 1}: {len(a)} onsets, tempo {est:.1f} bpm (human {bpm:g}), "
              f"phase p50 {p50:.1f} ms (the human heard at {60.0 * rate / (12 * step_heard):.2f} bpm, "
              f"{ms(moved):+.1f} ms off the score's grid at the phrase's end)" +
              ("" if k >= from_answer else " (not checked: lock-in)"))
        if k < from_answer or len(a) < 3:
            continue
        measured += 1
        iois += [ms(residual(g, hstep)) for g in gaps]
        iois_configured += [ms(residual(g, cstep)) for g in gaps]
        phases += ph_ms
        if abs(est / bpm - 1) > 0.04:
            off_tempo.append(f"answer {k + 1} at {est:.1f} bpm")
    if measured < 2:
        raise CheckFailed(f"{measured} answers of 3 onsets or more from answer {from_answer + 1} on: too few to measure")
    pct = lambda xs, q: sorted(xs)[min(len(xs) - 1, int(q * len(xs)))]
    print(f"follow: {measured} answers, {len(iois)} intervals off the human's steps p50 {pct(iois, 0.5):.2f} ms, "
          f"p90 {pct(iois, 0.9):.2f} ms (limit {ioi_p90_ms}; against the configured {configured_bpm:g} bpm's steps: "
          f"p50 {pct(iois_configured, 0.5):.2f}, p90 {pct(iois_configured, 0.9):.2f} ms); {len(phases)} onsets off the "
          f"human's steps p50 {pct(phases, 0.5):.2f} ms, p90 {pct(phases, 0.9):.2f} ms (limit p50 {phase_p50_ms})")
    if off_tempo:
        raise CheckFailed(f"answers not within 4 % of the human's {bpm:g} bpm: {', '.join(off_tempo)}")
    if pct(iois, 0.9) > ioi_p90_ms:
        raise CheckFailed(f"Clara's intervals are off the human's steps: p90 {pct(iois, 0.9):.2f} ms > {ioi_p90_ms}")
    if pct(phases, 0.5) > phase_p50_ms:
        raise CheckFailed(f"Clara's onsets are off the human's steps: p50 {pct(phases, 0.5):.2f} ms > {phase_p50_ms}")
    ledger(rec_path)


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
            count_notes(path, 1)
            ledger(path)
            panic(path, int(argv[3]))
        elif cmd == "channels":
            channels(path, [int(c) for c in argv[3:]])
        elif cmd == "notes":
            count_notes(path, int(argv[3]))
        elif cmd == "program":
            program(path, int(argv[3]), int(argv[4]))
        elif cmd == "wait-sounding":
            wait_sounding(path, float(argv[3]))
        elif cmd == "clock":
            clock(path, argv[3], int(argv[4]), int(argv[5]), int(argv[6]), float(argv[7]), float(argv[8]),
                  int(argv[9]) if len(argv) > 9 else 99)
        elif cmd == "clock-out":
            clock_out(path, int(argv[3]), float(argv[4]), float(argv[5]))
        elif cmd == "metronome":
            metronome(path, int(argv[3]), int(argv[4]))
        elif cmd == "follow":
            follow(path, argv[3], float(argv[4]), float(argv[5]), int(argv[6]), int(argv[7]), float(argv[8]),
                   float(argv[9]), int(argv[10]) if len(argv) > 10 else 0)
        elif cmd == "answer":
            answer(path, argv[3], float(argv[4]), int(argv[5]), int(argv[6]), float(argv[7]))
        else:
            print(f"unknown check {cmd!r}\n{__doc__}", file=sys.stderr)
            return 2
    except CheckFailed as e:
        print(f"FAIL ({cmd} {path}): {e}", file=sys.stderr)
        return 1
    except (ValueError, IndexError) as e:
        print(f"probe_tsv.py {cmd}: bad arguments: {e}\n{__doc__}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
