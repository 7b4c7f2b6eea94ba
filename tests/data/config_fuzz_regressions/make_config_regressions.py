#!/usr/bin/env python3
"""Writes the hand-made hostile clarad.toml inputs of this folder (README.md says what each
checks). Run from anywhere; then `config_regression_runner --update` this folder and check
each .expected by hand."""
from pathlib import Path

HERE = Path(__file__).resolve().parent

FILES = {
    # toml++'s parser on truncated headers: a clean syntax error each.
    "bare_bracket.toml": b"[",
    "bare_double_bracket.toml": b"[[",
    "unclosed_header.toml": b"[duet\ntempo = 90\n",
    "unclosed_array.toml": b"[midi]\nconnect_input = [\"a\",\n",
    "unclosed_inline_table.toml": b"sampler = { top_k = 3,\n",
    "unterminated_string.toml": b"[duet]\nmode = \"solo\n",
    "unterminated_multiline_string.toml": b"[duet]\nmode = \"\"\"solo\n[[[[\n",
    # Nesting: refused by the guard before toml++ sees it (its own limit is 256 for arrays
    # and inline tables, and none for dotted keys, which overflow its stack at ~32000).
    "deep_arrays.toml": b"[midi]\nconnect_input = " + b"[" * 300 + b"]" * 300 + b"\n",
    "deep_inline_tables.toml": b"a = " + b"{b = " * 300 + b"1" + b"}" * 300 + b"\n",
    "deep_dotted_key.toml": b"a" + b".a" * 32000 + b" = 1\n",
    "deep_table_header.toml": b"[a" + b".a" * 32000 + b"]\n",
    "deep_but_fine_in_strings.toml": b"# " + b"[" * 100 + b"\n[midi]\nconnect_input = [\"" + b"[" * 100
    + b"\", '" + b"{" * 100 + b"']\n",
    # Not UTF-8: refused naming the byte and its offset.
    "invalid_utf8_ff.toml": b"[duet]\nmode = \"\xff\"\n",
    "invalid_utf8_surrogate.toml": b"[duet]\nmode = \"\xed\xa0\x80\"\n",
    "invalid_utf8_overlong.toml": b"[duet]\nmode = \"\xc0\xaf\"\n",
    "invalid_utf8_above_10ffff.toml": b"[duet]\nmode = \"\xf4\x90\x80\x80\"\n",
    "invalid_utf8_truncated.toml": b"[duet]\nmode = \"\xe2\x82",
    "invalid_utf8_in_comment.toml": b"# caf\xe9\n[duet]\ntempo = 90\n",
    # Valid UTF-8 the schema refuses, or toml++ does.
    "unicode_key.toml": "[duet]\n\"temp\u00f6\" = 1\n\"\U0001F3B9\" = 2\n".encode(),
    "unicode_bare_key.toml": "[duet]\ntemp\u00f6 = 1\n".encode(),
    "line_separator_in_key.toml": "[\u2028]\n".encode(),
    "combining_mark_key.toml": "a\u0301 = 1\n".encode(),
    "nul_in_string.toml": b"[midi]\nclient_name = \"a\x00b\"\n",
    "escaped_nul_in_string.toml": b"[midi]\nclient_name = \"a\\u0000b\"\n",
    "quoted_key_with_newline.toml": b"[duet]\n\"tempo\\nbpm\" = 1\n",
    "bom_then_valid.toml": b"\xef\xbb\xbf[duet]\ntempo = 90\n",
    "crlf_valid.toml": b"[duet]\r\ntempo = 91\r\nmode = \"listen\"\r\n",
    # Size: one byte over 64 KiB of nothing but a comment.
    "over_64_kib.toml": b"#" * 65536 + b"\n",
    # Every kind of schema problem at once: all reported, one line each.
    "many_problems.toml": b"""[control]
udp_port = 70000
tcp_port = -1
bind = ["localhost", "::1", "::1"]
token = "short"
[[route]]
channel = 0
[[route]]
channel = 17
instrument = "p"
[sampler]
temperature = nan
top_p = 0
seed = "-1"
[duet]
tempo_bpm = 100
answer_bars = "two"
velocity = 1.5
[midi]
backend = "coreaudio"
startup_panic_channels = [0, 17]
[[midi.output]]
name = ""
[[cc]]
controller = 120
control = "tempo"
[[cc]]
control = "volume"
[log]
level = "loud"
""",
    # Types toml++ has that the schema never takes.
    "dates_and_tables_where_values_go.toml": b"""[duet]
tempo = 1979-05-27T07:32:00Z
mode = { a = 1 }
[[midi.output]]
name = 07:32:00
connect = [1979-05-27]
""",
    "integer_edges.toml": b"""[sampler]
seed = 9223372036854775807
top_k = -9223372036854775808
[model]
threads = 0x40
[duet]
answer_bars = 0o10
velocity = 0b1111111
""",
    "table_redefined.toml": b"[duet]\ntempo = 90\n[duet]\nmode = \"solo\"\n",
    "array_of_tables_over_table.toml": b"[route]\nchannel = 2\n",
    # Found by fuzzing toml++ header-only with its assertions on (each an abort there, and in
    # Debian's NDEBUG build an optimiser assumption broken): refused by the guard now...
    "assert_header_newline.toml": b"[\ns {{p0.0127} ",
    "assert_header_line_separator.toml": "[\u2028]\n".encode(),
    "unreachable_non_ascii_after_value.toml": "[duet]\ntempo = 1'\u00f6 \n".encode(),
    "assert_array_closed_by_brace.toml": b"e=[}",
    # ...and one the guard does not catch yet (toml++ parse_time(): a 'T' with no time after it).
    "assert_datetime_without_time.toml": b"e=1979-05-27T:",
    "cc_overlap.toml": b"[[cc]]\ncontroller = 7\ncontrol = \"tempo\"\n[[cc]]\ncontroller = 7\nchannel = 3\ncontrol = \"panic\"\n",
}


def main():
    for name, data in FILES.items():
        (HERE / name).write_bytes(data)
    print(f"{len(FILES)} files written to {HERE}")


if __name__ == "__main__":
    main()
