#!/usr/bin/python3
"""The integration tests' checker checked: each check of probe_tsv.py must fail on a recording that
is wrong in the way it looks for, and pass on a good one. Run by ctest with Debian's /usr/bin/python3:
    /usr/bin/python3 tests/integration/probe_tsv_test.py"""
import contextlib
import io
import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import probe_tsv  # noqa: E402

HEADER = "frame\ttime_ns\tstatus\tdata1\tdata2\n"
PERIOD = 128


def startup_panic(frame=100, channels=range(16)):
    return [(frame, 0xB0 | c, cc, 0) for c in channels for cc in (64, 123, 120)]


def stop_panic(frame, channel=0):
    return [(frame, 0xB0 | channel, 64, 0), (frame, 0xB0 | channel, 123, 0), (frame, 0xB0 | channel, 120, 0)]


def good_rows():
    """A start-up panic, two notes on channel 1, the second ended by the stop, then the stop's panic."""
    return (startup_panic() + [(1000, 0x90, 60, 80), (2000, 0x80, 60, 0), (2100, 0x90, 64, 80),
                               (3000, 0x80, 64, 0)] + stop_panic(3000))


class ProbeTsvTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()

    def tearDown(self):
        self.dir.cleanup()

    def write(self, rows, name="rec.tsv"):
        path = os.path.join(self.dir.name, name)
        with open(path, "w") as f:
            f.write(HEADER)
            for row in rows:  # (frame, status, d1, d2), or with time_ns second
                frame, time_ns, status, d1, d2 = row if len(row) == 5 else (row[0], row[0] * 20833) + tuple(row[1:])
                f.write(f"{frame}\t{time_ns}\t{status}\t{d1}\t{d2}\n")
        return path

    def run_check(self, *args):
        """probe_tsv.py's exit status for ARGS, its output swallowed."""
        out = io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
            rc = probe_tsv.main(["probe_tsv.py"] + [str(a) for a in args])
        return rc, out.getvalue()

    def assert_passes(self, *args):
        rc, out = self.run_check(*args)
        self.assertEqual(rc, 0, f"{args} should pass:\n{out}")
        return out

    def assert_fails(self, *args):
        rc, out = self.run_check(*args)
        self.assertNotEqual(rc, 0, f"{args} should fail:\n{out}")
        return out

    def test_good_recording_passes_every_check(self):
        rec = self.write(good_rows())
        self.assert_passes("ledger", rec)
        self.assert_passes("panic", rec)
        self.assertIn("ended_by_stop 1", self.assert_passes("panic", rec, PERIOD))
        self.assertIn("ended_by_stop 1", self.assert_passes("stopped", rec, PERIOD))
        self.assert_passes("channels", rec, 1)
        self.assert_passes("notes", rec, 2)

    def test_missing_note_off_fails(self):
        rows = [r for r in good_rows() if r != (3000, 0x80, 64, 0)]
        rec = self.write(rows)
        self.assertIn("without a note-off", self.assert_fails("ledger", rec))
        self.assert_fails("stopped", rec, PERIOD)

    def test_double_note_on_fails(self):
        rows = good_rows()
        rows.insert(len(startup_panic()) + 1, (1500, 0x90, 60, 80))
        self.assert_fails("ledger", self.write(rows))

    def test_missing_cc123_fails(self):
        rows = [r for r in good_rows() if not (r[0] == 3000 and r[2] == 123)]
        rec = self.write(rows)
        self.assertIn("CC123", self.assert_fails("panic", rec))
        self.assert_fails("stopped", rec, PERIOD)

    def test_panic_out_of_order_fails(self):
        rows = good_rows()[:-3] + [(3000, 0xB0, 123, 0), (3000, 0xB0, 64, 0), (3000, 0xB0, 120, 0)]
        self.assertIn("out of order", self.assert_fails("panic", self.write(rows)))

    def test_startup_panic_alone_is_not_a_stop_panic(self):
        # Notes after the start-up panic, none after them: the start-up panic must not count.
        rows = startup_panic() + [(1000, 0x90, 60, 80), (2000, 0x80, 60, 0)]
        self.assert_fails("panic", self.write(rows))

    def test_panic_on_another_channel_only_fails(self):
        rows = good_rows()[:-3] + stop_panic(3000, channel=1)
        self.assert_fails("panic", self.write(rows))

    def test_notes_on_wrong_channel_fail(self):
        rows = good_rows()
        rows[len(startup_panic()) + 2] = (2100, 0x91, 64, 80)
        rows[len(startup_panic()) + 3] = (3000, 0x81, 64, 0)
        rec = self.write(rows)
        self.assertIn("channel(s) [2]", self.assert_fails("channels", rec, 1))
        self.assert_passes("channels", rec, 1, 2)

    def test_empty_recording_fails_every_check(self):
        for rows in ([], startup_panic()):  # nothing at all; only clarad's start-up panic
            rec = self.write(rows)
            for args in (("ledger", rec), ("panic", rec), ("panic", rec, PERIOD), ("stopped", rec, PERIOD),
                         ("channels", rec, 1), ("notes", rec, 1), ("program", rec, 1, 0)):
                self.assert_fails(*args)

    def test_notes_minimum(self):
        rec = self.write(good_rows())
        self.assert_fails("notes", rec, 3)
        self.assertEqual(self.run_check("notes", rec, 0)[0], 2, "a minimum of 0 is a usage error")

    def test_program_change_before_first_note(self):
        head = startup_panic()
        body = good_rows()[len(head):]
        self.assert_passes("program", self.write(head + [(900, 0xC0, 40, 0)] + body), 1, 40)
        self.assert_fails("program", self.write(head + body), 1, 40)  # none
        self.assert_fails("program", self.write(head + [(900, 0xC1, 40, 0)] + body), 1, 40)  # other channel
        self.assert_fails("program", self.write(head + [(900, 0xC0, 41, 0)] + body), 1, 40)  # other program
        late = head + body[:1] + [(1500, 0xC0, 40, 0)] + body[1:]
        self.assert_fails("program", self.write(late), 1, 40)  # after the first note

    def test_jack_midi_dump_output_reads_like_a_tsv(self):
        path = os.path.join(self.dir.name, "mon.txt")
        with open(path, "w") as f:
            for frame, status, d1, d2 in good_rows():
                f.write(f" {frame}: {status:02x} {d1:02x} {d2:02x} some description (channel  0)\n")
        self.assertIn("ended_by_stop 1", self.assert_passes("stopped", path, PERIOD))
        with open(path, "a") as f:
            f.write(" 4000: 90 3c")  # a line the monitor is still writing: not yet an event
        self.assert_passes("ledger", path)

    def test_wait_sounding(self):
        rows = startup_panic() + [(1000, 0x90, 60, 80)]
        self.assertIn("key 60", self.assert_passes("wait-sounding", self.write(rows), 0.05))
        self.assert_fails("wait-sounding", self.write(good_rows()), 0.05)
        self.assert_fails("wait-sounding", os.path.join(self.dir.name, "absent.txt"), 0.05)

    def follow_rows(self, clara_bpm, offset_steps=0.0, heard_xrun_ms=0.0, clara_heard_it=True, answer_xrun_ms=0.0):
        """A human at 96 bpm (three phrases of eight quarters, two bars apart) and Clara answering
        each with eight notes on a grid at CLARA_BPM, OFFSET_STEPS human steps off their grid.
        The dummy driver's xruns stop JACK's frame counter while its clock (time_ns) goes on:
        HEARD_XRUN_MS, one before phrase 2: the human (played by frame) comes that much later on the
        clock, and so does Clara if CLARA_HEARD_IT (she follows what she heard); ANSWER_XRUN_MS, one
        before Clara's answer 2, which she planned on the clock: on the counter she comes earlier."""
        beat = 48000 * 60 / 96
        human, clara = [], []
        heard = lambda p, who: heard_xrun_ms * 1e6 if p >= 1 and who else 0.0
        for p in range(3):
            start = 1000 + p * 16 * beat
            for i in range(8):
                f = round(start + i * beat)
                for g, row in ((f, (0x90, 60, 80)), (f + 1000, (0x80, 60, 0))):
                    human.append((g, round(g * 1e9 / 48000 + heard(p, True))) + row)
            cstep = 48000 * 60 / clara_bpm / 12
            for i in range(8):
                f = round(start + 9 * beat + (offset_steps * beat / 12) + i * 6 * cstep + (i % 3) * 2 * cstep)
                early = round(answer_xrun_ms * 48) if p >= 1 else 0
                for g, row in ((f, (0x90, 72, 80)), (f + 500, (0x80, 72, 0))):
                    clara.append((g - early, round(g * 1e9 / 48000 + heard(p, clara_heard_it))) + row)
        return self.write(clara), self.write(human, "played.tsv")

    def test_follow(self):
        rec, played = self.follow_rows(96)
        self.assertIn("2 answers", self.assert_passes("follow", rec, played, 96, 120, 48000, 1, 3, 10))
        rec, played = self.follow_rows(120)  # the grid left at the configured tempo
        self.assert_fails("follow", rec, played, 96, 120, 48000, 1, 3, 10)
        rec, played = self.follow_rows(96, 0.5)  # in tempo, half a step off the human's grid
        self.assert_fails("follow", rec, played, 96, 120, 48000, 1, 3, 10)
        rec, played = self.follow_rows(96)
        self.assert_fails("follow", rec, played, 96, 120, 48000, 3, 3, 10)  # nothing left to measure

    def test_follow_measures_on_jacks_clock_through_xruns(self):
        # An xrun between the human's phrase and Clara's answer: on the frame counter she is 15 ms
        # early (CI's failure), on the clock she is in time.
        rec, played = self.follow_rows(96, answer_xrun_ms=15)
        self.assert_passes("follow", rec, played, 96, 120, 48000, 1, 3, 10)
        # An xrun before phrase 2: the human is heard 15 ms later, and Clara follows that.
        rec, played = self.follow_rows(96, heard_xrun_ms=15)
        self.assertIn("96.00 bpm, +15.0 ms off", self.assert_passes("follow", rec, played, 96, 120, 48000, 1, 3, 10))
        # ... and not following it, staying on the grid heard before: 15 ms off.
        rec, played = self.follow_rows(96, heard_xrun_ms=15, clara_heard_it=False)
        self.assert_fails("follow", rec, played, 96, 120, 48000, 1, 3, 10)
        path = os.path.join(self.dir.name, "no-clock.tsv")  # jack_midi_dump's rows have no time_ns
        with open(path, "w") as f:
            f.write(" 1000: 90 3c 50 note on\n 2000: 80 3c 00 note off\n")
        self.assert_fails("follow", path, played, 96, 120, 48000, 1, 3, 10)

    @staticmethod
    def clock_out_rows(ticks_before=120, ticks_after=120):
        """Start, ticks every 1000 frames (120 bpm at 48 kHz), then every 800 (150 bpm), a note on
        every second tick, Stop."""
        rows, frame = [(5000, 0xFA, 0, 0)], 5000
        for k in range(ticks_before + ticks_after + 1):
            rows.append((frame, 0xF8, 0, 0))
            if k % 2 == 0:
                rows += [(frame, 0x90, 60 + k % 12, 80), (frame + 400, 0x80, 60 + k % 12, 0)]
            frame += 1000 if k < ticks_before else 800
        rows.append((frame, 0xFC, 0, 0))
        return rows

    def test_clock_out(self):
        self.assert_passes("clock-out", self.write(self.clock_out_rows()), 48000, 120, 150)
        rows = self.clock_out_rows()
        self.assert_fails("clock-out", self.write([r for r in rows if r[1] != 0xFA]), 48000, 120, 150)
        self.assert_fails("clock-out", self.write([r for r in rows if r[1] != 0xFC]), 48000, 120, 150)
        late_tick = rows + [(rows[-1][0] + 800, 0xF8, 0, 0)]
        self.assert_fails("clock-out", self.write(late_tick), 48000, 120, 150)
        self.assert_fails("clock-out", self.write(self.clock_out_rows(ticks_after=20)), 48000, 120, 150)
        self.assert_fails("clock-out", self.write(rows), 48000, 120, 140)  # not the tempo it went to
        off_grid = rows[:-1] + [(rows[-2][0] + 300, 0x90, 70, 80), (rows[-2][0] + 350, 0x80, 70, 0), rows[-1]]
        self.assert_fails("clock-out", self.write(off_grid), 48000, 120, 150)

    @staticmethod
    def metronome_rows(count_in_bars=1, clara_from_beat=4, accent_every=4):
        """Start, 24 ticks a beat for 12 beats, a click on each beat (key 76 every accent_every),
        Clara's notes from clara_from_beat on, Stop."""
        rows, frame = [(5000, 0xFA, 0, 0)], 5000
        for k in range(12 * 24 + 1):
            rows.append((frame, 0xF8, 0, 0))
            if k % 24 == 0:
                beat = k // 24
                key = 76 if beat % accent_every == 0 else 77
                rows += [(frame, 0x99, key, 100), (frame + 300, 0x89, key, 0)]
                if beat >= clara_from_beat:
                    rows += [(frame, 0x90, 60, 80), (frame + 400, 0x80, 60, 0)]
            frame += 1000
        rows.append((frame, 0xFC, 0, 0))
        return rows

    def test_metronome(self):
        self.assert_passes("metronome", self.write(self.metronome_rows()), 4, 1)
        self.assert_fails("metronome", self.write(self.metronome_rows(clara_from_beat=2)), 4, 1)
        self.assert_fails("metronome", self.write(self.metronome_rows(accent_every=3)), 4, 1)
        no_click = [r for r in self.metronome_rows() if not (r[1] == 0x99 and r[0] == 5000 + 5 * 24000)]
        self.assert_fails("metronome", self.write(no_click), 4, 1)
        hanging = [r for r in self.metronome_rows() if not (r[1] == 0x89 and r[0] == 5000 + 5 * 24000 + 300)]
        self.assert_fails("metronome", self.write(hanging), 4, 1)

    def test_garbage_fails(self):
        path = os.path.join(self.dir.name, "junk.tsv")
        with open(path, "w") as f:
            f.write("this is not a recording\n")
        self.assert_fails("ledger", path)


if __name__ == "__main__":
    unittest.main()
