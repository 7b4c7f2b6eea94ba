#!/usr/bin/python3
"""Figures for bench/clarad_latency.sh, from the folder it filled: the probe's recordings
(frame, time_ns, status, data1, data2 per line), clarad's --stats-file JSONs and the start-up
times. Everything external is measured in JACK frames at 48 kHz (one frame = 20.8 us).
usage: latency_figures.py DIR"""
import glob
import json
import math
import os
import statistics
import sys

RATE = 48000
STEPS_PER_QUARTER = 12
TOLERANCE_US = 100.0  # the onset goal: a message further than this from its grid point is off-grid


def read_tsv(path):
    events = []
    with open(path) as f:
        header = f.readline().rstrip('\n')
        if header != 'frame\ttime_ns\tstatus\tdata1\tdata2':
            raise SystemExit(f'{path}:1: not a probe recording (header {header!r})')
        for number, line in enumerate(f, start=2):
            fields = line.split('\t')
            if len(fields) != 5:
                raise SystemExit(f'{path}:{number}: expected 5 fields, got {len(fields)}')
            try:
                frame, time_ns, status, d1, d2 = (int(x) for x in fields)
            except ValueError:
                raise SystemExit(f'{path}:{number}: not a number in {line.strip()!r}')
            events.append((frame, status, d1, d2, time_ns))
    return events


def is_note_on(e):
    return 0x90 <= e[1] <= 0x9F and e[3] > 0


def is_note(e):
    return 0x80 <= e[1] <= 0x9F


def percentile(values, q):
    """Nearest-rank percentile: a value that really occurred."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


def grid_residuals(times, period):
    """Distances of times from the best-fitting grid of the given period (same unit): the grid's
    origin is the circular mean of the phases, so a constant offset costs nothing."""
    if not times:
        return []
    t0 = times[0]
    phases = [(t - t0) % period for t in times]
    angles = [2 * math.pi * p / period for p in phases]
    origin = math.atan2(sum(math.sin(a) for a in angles), sum(math.cos(a) for a in angles)) / (2 * math.pi) * period
    out = []
    for p in phases:
        r = (p - origin) % period
        out.append(min(r, period - r))
    return out


def summary(res_us):
    return {'notes': len(res_us), 'p50_us': percentile(res_us, 50), 'p99_us': percentile(res_us, 99),
            'max_us': max(res_us), 'off_grid': sum(r > TOLERANCE_US for r in res_us)}


def grid_figures(events, bpm):
    """Residuals of the note messages against the grid two ways: on JACK's clock (the time_ns
    JACK maps each message's frame to, which is what clarad schedules against), and on the raw
    frame counter (a grid of whole frames)."""
    notes = [e for e in events if is_note(e)]
    if not notes:
        return {'notes': 0}
    step_ns = 60e9 / bpm / STEPS_PER_QUARTER
    step_frames = RATE * 60 / bpm / STEPS_PER_QUARTER
    by_time = summary([r / 1e3 for r in grid_residuals([e[4] for e in notes], step_ns)])
    by_frame = summary([r * 1e6 / RATE for r in grid_residuals([e[0] for e in notes], step_frames)])
    return {'notes': len(notes), 'time': by_time, 'frame': by_frame}


def phrase_ends(played, silence_ns):
    """(last note-off, next note-on or None) of each human phrase, on JACK's clock: a note-off
    followed by no note-on within the silence."""
    notes = sorted((e for e in played if is_note(e)), key=lambda e: e[4])
    ends = []
    for i, e in enumerate(notes):
        if is_note_on(e):
            continue
        later_on = next((n[4] for n in notes[i + 1:] if is_note_on(n)), None)
        if later_on is None or later_on - e[4] > silence_ns:
            ends.append((e[4], later_on))
    return ends


def reactions_ms(played, recorded, bpm):
    """For each phrase: Clara's first note-on after the phrase's last note-off, minus the moment
    one beat of silence has passed, on JACK's clock (the dummy driver's frame counter drifts
    against it on a loaded machine). clarad quantises the human's notes onto its grid, so its
    silence can end up to half a step before the probe's: a reaction can be slightly negative."""
    beat_ns = 60e9 / bpm
    out, missed = [], 0
    ons = sorted(e[4] for e in recorded if is_note_on(e))
    for last_off, next_phrase in phrase_ends(played, beat_ns):
        first = next((t for t in ons if t > last_off), None)
        if first is None or (next_phrase is not None and first >= next_phrase):
            missed += 1
        else:
            out.append((first - last_off - beat_ns) / 1e6)
    return out, missed


def lateness_us(recorded, deadlines_ns):
    """The baseline's k-th note message against its k-th deadline, both on JACK's clock."""
    notes = [e for e in recorded if is_note(e)]
    if len(notes) != len(deadlines_ns):
        raise SystemExit(f'baseline: {len(notes)} note messages recorded for {len(deadlines_ns)} sent')
    return [(e[4] - d) / 1e3 for e, d in zip(notes, deadlines_ns)]


def load(path):
    with open(path) as f:
        return json.load(f)


def fmt(x, digits=1):
    return '—' if x is None else f'{x:.{digits}f}'


def main():
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    d = sys.argv[1]
    lines = []

    startup_ms = [int(x) / 1000 for x in open(os.path.join(d, 'startup.tsv')).read().split()]
    startup_stats = [load(p) for p in sorted(glob.glob(os.path.join(d, 'startup-*.json')))]
    own_startup = [s['startup_ms'] for s in startup_stats]
    rss = [s['peak_rss_kb'] for s in startup_stats]

    answer = load(os.path.join(d, 'answer.json'))
    played = read_tsv(os.path.join(d, 'answer-played.tsv'))
    answer_rec = read_tsv(os.path.join(d, 'answer-rec.tsv'))
    reacts, missed = reactions_ms(played, answer_rec, 120)
    answer_grid = grid_figures(answer_rec, 120)

    solo = load(os.path.join(d, 'solo.json'))
    solo_rec = read_tsv(os.path.join(d, 'solo-rec.tsv'))
    solo_grid = grid_figures(solo_rec, 200)
    solo_seconds = (solo_rec[-1][0] - solo_rec[0][0]) / RATE if solo_rec else 0
    base_rec = read_tsv(os.path.join(d, 'baseline-rec.tsv'))
    base_grid = grid_figures(base_rec, 200)
    deadlines = [int(x) for x in open(os.path.join(d, 'baseline-deadlines.txt')).read().split()]
    base_late = lateness_us(base_rec, deadlines)
    help_ms = [int(x) / 1000 for x in open(os.path.join(d, 'help.tsv')).read().split()]

    lines.append('clarad latency bench (JACK dummy driver, 48 kHz, 128-frame periods; 1 frame = 20.8 us)')
    lines.append('')
    lines.append(f'1. Reaction, answer mode, 120 bpm, {len(reacts) + missed} phrases (goal <= 45 ms)')
    if reacts:
        lines.append(f'   external (on JACK\'s clock: phrase\'s last note-off + 1 beat -> Clara\'s first note-on after it): '
                     f'min {fmt(min(reacts))} ms, p50 {fmt(statistics.median(reacts))} ms, max {fmt(max(reacts))} ms, '
                     f'{len(reacts)} answered, {missed} unanswered')
    else:
        lines.append(f'   external: no phrase answered ({missed} phrases)')
    own = answer['reactions_ms']
    lines.append(f'   clarad\'s own reactions_ms: ' + (
        f'p50 {fmt(statistics.median(own))} ms, max {fmt(max(own))} ms, n {len(own)}' if own else 'none'))
    lines.append('')
    lines.append('2. Onset error: distance of each note message from the best-fitting grid, measured by the '
                 'probe (goal p99 <= 100 us)')
    for clock, what in (('time', 'on JACK\'s clock (the time_ns of the message\'s frame)'),
                        ('frame', 'on the frame counter (grid of 2000 / 1200 frames)')):
        lines.append(f'   {what}:')
        for label, g in (('clarad answer, 120 bpm', answer_grid), ('clarad solo,   200 bpm', solo_grid),
                         ('RtMidi JACK,   200 bpm', base_grid)):
            if g['notes']:
                r = g[clock]
                lines.append(f'     {label}: {g["notes"]} note messages, p50 {fmt(r["p50_us"])} us, '
                             f'p99 {fmt(r["p99_us"])} us, max {fmt(r["max_us"])} us, > 100 us off: {r["off_grid"]}')
            else:
                lines.append(f'     {label}: no note messages recorded')
    for label, s in (('answer', answer), ('solo', solo)):
        lines.append(f'   clarad\'s own ({label}): onset_error_p99 {fmt(s["onset_error_p99_us"])} us, '
                     f'onset_error_max {fmt(s["onset_error_max_us"])} us over {s["output_messages"]} messages')
    lines.append(f'   RtMidi JACK lateness against its own deadlines (time on JACK clock minus deadline): '
                 f'min {fmt(min(base_late))} us, p50 {fmt(percentile(base_late, 50))} us, '
                 f'p99 {fmt(percentile(base_late, 99))} us, max {fmt(max(base_late))} us')
    if solo_grid['notes'] and base_grid['notes']:
        for clock in ('time', 'frame'):
            ours, theirs = solo_grid[clock]['p99_us'], base_grid[clock]['p99_us']
            resolution = 1e6 / RATE  # neither clock resolves less than a frame
            ratio = (f'{theirs / ours:.1f}x' if ours >= resolution
                     else f'>= {theirs / resolution:.0f}x (clarad below one frame)')
            lines.append(f'   p99 ratio RtMidi / clarad at 200 bpm, {clock}: {ratio}')
    lines.append('')
    lines.append(f'3. Late events, solo mode, 200 bpm, {solo_seconds / 60:.2f} min recorded (goal 0)')
    refusal = open(os.path.join(d, 'solo-budget.txt')).read().strip()
    if refusal:
        lines.append(f'   at the default budget clarad refused to start: "{refusal}"')
        lines.append('   so this run used [model] tokens_per_step_budget = 1.0')
    lines.append(f'   clarad\'s own: late {solo["late"]} (max late {fmt(solo["max_late_us"])} us), '
                 f'dropped {solo["dropped"]}, output messages {solo["output_messages"]}')
    if 'late_commit' in solo:
        lines.append(f'   late by cause: {solo["late_commit"]} committed after their cycle had run (the inference '
                     f'thread late), {solo["late_cycle"]} due in a gap between cycles (a late JACK cycle), '
                     f'{solo["late_retry"]} on a retry after a full port buffer; the inference thread stalled '
                     f'{solo["stalls"]} times ({fmt(solo["stalled_ms"])} ms in all)')
    if solo_grid['notes']:
        lines.append(f'   external: {solo_grid["time"]["off_grid"]} of {solo_grid["notes"]} note messages more than '
                     f'{TOLERANCE_US:.0f} us off the grid on JACK\'s clock ({solo_grid["frame"]["off_grid"]} on the '
                     f'frame counter)')
    else:
        lines.append('   external: no note messages recorded')
    lines.append('')
    lines.append(f'4. Start-up to ready ({len(startup_ms)} runs; exec -> ready line and clara:midi_in listed)')
    lines.append(f'   external: median {fmt(statistics.median(startup_ms), 0)} ms '
                 f'(min {fmt(min(startup_ms), 0)}, max {fmt(max(startup_ms), 0)}); '
                 f'clarad\'s own startup_ms median {fmt(statistics.median(own_startup), 0)} ms; '
                 f'exec to exit of clarad --help median {fmt(statistics.median(help_ms), 0)} ms')
    lines.append(f'   peak RSS: {max(rss) / 1024:.1f} MB (start-up runs), answer run '
                 f'{answer["peak_rss_kb"] / 1024:.1f} MB, solo run {solo["peak_rss_kb"] / 1024:.1f} MB')
    loadavg = open(os.path.join(d, 'load.txt')).read().split('\n')
    jack_log = os.path.join(d, 'jackd.log')
    if os.path.exists(jack_log):
        xruns = sum('XRun' in line for line in open(jack_log, errors='replace'))
        lines.append('')
        realtime = os.path.exists(os.path.join(d, 'realtime'))
        lines.append(f'jackd ({"real-time, -R" if realtime else "not real-time"}) reported {xruns} xruns '
                     f'(late cycles of the dummy driver) over the whole bench')
    lines.append('load at start: ' + loadavg[0].split('load average:')[-1].strip() +
                 '; at end: ' + loadavg[1].split('load average:')[-1].strip() + ' (1, 5, 15 min)')
    print('\n'.join(lines))


if __name__ == '__main__':
    main()
