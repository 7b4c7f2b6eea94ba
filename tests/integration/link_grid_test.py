#!/usr/bin/python3
"""link_grid.py checked: it must fail on a recording wrong in each way it looks for, and pass on a
good one. Run by ctest with Debian's /usr/bin/python3:
    /usr/bin/python3 tests/integration/link_grid_test.py"""
import contextlib
import io
import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import link_grid  # noqa: E402

S = 1_000_000_000  # ns
STEP_120 = S // 24  # a 48th note at 120 bpm
STEP_150 = S * 60 // (150 * 12)
RAW_BEHIND = 249_311_897  # CLOCK_MONOTONIC minus CLOCK_MONOTONIC_RAW, as measured on the development VM


class LinkGridTest(unittest.TestCase):
    """A session at 120 bpm joined at 1 s, changed to 150 at 20 s, Clara's proposal of 100 seen at
    30 s, stopped at 35 s; Clara's notes on the grid, one a step."""

    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.grid = [t for t in range(0, 20 * S, STEP_120)] + [t for t in range(20 * S, 35 * S, STEP_150)]
        self.events = [("joined", 1 * S, 120), ("tempo", 20 * S, 150), ("tempo_seen", 30 * S, 100), ("stop", 35 * S, 0)]
        self.onsets = [t for t in self.grid if t >= 2 * S]

    def tearDown(self):
        self.dir.cleanup()

    def run_check(self, proposed=100, onsets=None, events=None, hanging=False, clock="raw"):
        d = self.dir.name
        with open(os.path.join(d, "grid.tsv"), "w") as f:
            f.write("beat\tmonotonic_ns\traw_ns\n")
            for i, t in enumerate(self.grid):
                f.write(f"{i / 12}\t{t + RAW_BEHIND}\t{t}\n")  # the recording's clock is raw here
        with open(os.path.join(d, "events.tsv"), "w") as f:
            for what, t, v in events if events is not None else self.events:
                f.write(f"{what}\t{t + RAW_BEHIND}\t{v}\n")
        with open(os.path.join(d, "rec.tsv"), "w") as f:
            f.write("frame\ttime_ns\tstatus\tdata1\tdata2\n")
            ons = sorted(onsets if onsets is not None else self.onsets)
            for i, t in enumerate(ons):
                f.write(f"{i}\t{t}\t144\t60\t80\n")
                if not (hanging and i == len(ons) - 1):
                    f.write(f"{i}\t{t + 1000}\t128\t60\t0\n")
        out = io.StringIO()
        args = ["link_grid.py", f"{d}/rec.tsv", f"{d}/grid.tsv", f"{d}/events.tsv", clock, "4", "4", "95", "2", "10"]
        if proposed is not None:
            args.append(str(proposed))
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
            rc = link_grid.main(args)
        return rc, out.getvalue()

    def test_passes_on_the_grid_and_prints_figures(self):
        rc, out = self.run_check()
        self.assertEqual(rc, 0, out)
        self.assertIn("link steady:", out)
        self.assertIn("link change:", out)

    def test_fails_on_the_wrong_clock(self):
        rc, out = self.run_check(clock="monotonic")  # 249.3 ms off: 9.3 ms from a 150 bpm grid point
        self.assertEqual(rc, 1, out)

    def test_fails_off_the_grid(self):
        rc, out = self.run_check(onsets=[t + 3_000_000 for t in self.onsets])
        self.assertEqual(rc, 1, out)
        self.assertIn("off the session's grid", out)

    def test_fails_one_onset_past_the_max(self):
        onsets = list(self.onsets)
        onsets[len(onsets) // 4] += 11_000_000
        rc, out = self.run_check(onsets=onsets)
        self.assertEqual(rc, 1, out)

    def test_fails_a_change_not_followed(self):
        old = [t for t in range(20 * S, 30 * S, STEP_120)]  # still at 120 after the change
        rc, out = self.run_check(onsets=[t for t in self.onsets if t < 20 * S] + old)
        self.assertEqual(rc, 1, out)
        self.assertIn("change", out)

    def test_fails_a_note_after_the_stop(self):
        rc, out = self.run_check(onsets=self.onsets + [36 * S])
        self.assertEqual(rc, 1, out)
        self.assertIn("after the session stopped", out)

    def test_fails_a_hanging_note(self):
        rc, out = self.run_check(hanging=True)
        self.assertEqual(rc, 1, out)

    def test_fails_a_proposal_not_seen_and_a_peer_never_joined(self):
        rc, out = self.run_check(proposed=90)
        self.assertEqual(rc, 1, out)
        rc, out = self.run_check(events=[e for e in self.events if e[0] != "joined"])
        self.assertEqual(rc, 1, out)
        self.assertIn("never saw another peer", out)


if __name__ == "__main__":
    unittest.main()
