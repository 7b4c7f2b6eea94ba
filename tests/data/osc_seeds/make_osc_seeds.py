#!/usr/bin/env python3
"""Writes the OSC fuzz seeds (valid packets, one per type tag family, bundles,
framed streams) into this folder and the hand-made hostile inputs into
../osc_fuzz_regressions/. An encoder of its own, written from the OSC 1.0
spec, so the seeds are not the C++ encoder's view of the format.

    python3 tests/data/osc_seeds/make_osc_seeds.py
    build/bin/osc_regression_runner --update tests/data/osc_seeds tests/data/osc_fuzz_regressions

(the second line rewrites the .expected files: check them by hand first)."""
import pathlib
import struct

HERE = pathlib.Path(__file__).resolve().parent
HOSTILE = HERE.parent / "osc_fuzz_regressions"


def s(text):
    b = text.encode() if isinstance(text, str) else text
    b += b"\0"
    return b + b"\0" * (-len(b) % 4)


def blob(data):
    return struct.pack(">i", len(data)) + data + b"\0" * (-len(data) % 4)


def message(address, tags, *args):
    return s(address) + s("," + tags) + b"".join(args)


def i32(v):
    return struct.pack(">i", v)


def bundle(timetag, *elements):
    return b"#bundle\0" + struct.pack(">Q", timetag) + b"".join(struct.pack(">i", len(e)) + e for e in elements)


def nested(depth):
    packet = message("/a", "")
    for _ in range(depth):
        packet = bundle(1, packet)
    return packet


def size_prefixed(*packets):
    return b"".join(struct.pack(">i", len(p)) + p for p in packets)


def slip(*packets):
    out = b""
    for p in packets:
        out += b"\xc0" + p.replace(b"\xdb", b"\xdb\xdd").replace(b"\xc0", b"\xdb\xdc") + b"\xc0"
    return out


value = message("/clara/value", "si", s("tempo"), i32(120))
SEEDS = {
    "msg_string_int32.osc": value,
    "msg_int64_double.osc": message("/h/d", "hd", struct.pack(">q", -(1 << 40)), struct.pack(">d", 0.25)),
    "msg_float.osc": message("/f", "ff", struct.pack(">f", 1.5), struct.pack(">f", float("nan"))),
    "msg_symbol.osc": message("/sym", "Ss", s("name"), s("two words")),
    "msg_blob.osc": message("/blob", "b", blob(b"\xc0\xdb\x01\x02\x03")),
    "msg_true_false_nil_impulse.osc": message("/flags", "TFNI"),
    "msg_timetag_char_midi_rgba.osc": message("/misc", "tcmr", struct.pack(">Q", (5 << 32) | 7), i32(ord("x")),
                                              bytes([0, 0x90, 0x3C, 0x64]), bytes([0xFF, 0x80, 0x00, 0xFF])),
    "msg_no_arguments.osc": message("/ping", ""),
    "bundle.osc": bundle(1, value, message("/a", "i", i32(1))),
    "bundle_nested.osc": bundle(100, message("/outer", "i", i32(1)),
                                bundle(200, message("/inner", "f", struct.pack(">f", 2.0))),
                                message("/after", "")),
    "bundle_empty.osc": bundle(1),
    "stream_size_prefixed.osc": size_prefixed(value, bundle(1, message("/b", "N"))),
    "stream_slip.osc": slip(message("/blob", "b", blob(b"\xc0\xdb")), value),
}

HOSTILE_INPUTS = {
    "bundle_nested_9_deep.osc": nested(9),
    "bundle_inner_timetag_earlier.osc": bundle(10, bundle(5, message("/a", ""))),
    "bundle_element_size_huge.osc": b"#bundle\0" + struct.pack(">Qi", 1, 0x7FFFFFF0) + message("/a", ""),
    "blob_size_huge.osc": message("/b", "b", i32(0x7FFFFFFF), b"abcd"),
    "blob_size_negative.osc": message("/b", "b", i32(-4)),
    "too_many_arguments.osc": message("/n", "N" * 65),
    "no_type_tags.osc": s("/clara/value"),
    "size_prefix_8mib.osc": b"\x00\x7f\xff\xff" + value,
    "size_prefix_2gib.osc": b"\x7f\xff\xff\xff" + value,
    "slip_bad_escape.osc": b"\xc0/a\0\0,\0\0\0\xdb\x41\xc0",
    "slip_endless_frame.osc": b"\xc0" + b"/" * 65600,
}


def main():
    HOSTILE.mkdir(exist_ok=True)
    for name, data in SEEDS.items():
        (HERE / name).write_bytes(data)
    for name, data in HOSTILE_INPUTS.items():
        (HOSTILE / name).write_bytes(data)


if __name__ == "__main__":
    main()
