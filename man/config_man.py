#!/usr/bin/env python3
"""clarad.toml(5) from config/clarad.toml: the shipped file is the schema (every key, its
default, its range in its comment; a test holds it to clarad's built-in defaults), so the
man page is made from it at build time and cannot drift from it. Hand-written sections
(search path, reload, files) come from man/clarad.toml.5.in around the generated list.

Usage: config_man.py CLARAD_TOML TEMPLATE VERSION OUTPUT
"""
import re
import sys


def roff(text):
    """Plain text as roff: backslashes escaped, a line never starting a request."""
    text = text.replace("\\", "\\e").replace("-", "\\-")
    return text


def line(text):
    text = roff(text)
    if text.startswith((".", "'")):
        text = "\\&" + text
    return text


KEY = re.compile(r'^(#\s*)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*(?:#\s*(.*))?$')
TABLE = re.compile(r'^(\[\[?[A-Za-z_.]+\]\]?)\s*(?:#.*)?$')


def value_and_comment(rest):
    """'"a # b"  # c' -> ('"a # b"', 'c'): a # inside a string is not a comment."""
    in_str = False
    for i, ch in enumerate(rest):
        if ch == '"':
            in_str = not in_str
        elif ch == "#" and not in_str:
            return rest[:i].rstrip(), rest[i + 1:].strip()
    return rest.strip(), ""


def settings(lines):
    """The tables and keys after the opening comment block, and the comments left at the end."""
    out = []
    pending = []  # comment lines waiting for the table or key they introduce
    in_table = False
    i = 0
    # The opening comment block describes the file as a whole: the template has its words.
    while i < len(lines) and lines[i].startswith("#"):
        i += 1
    for raw in lines[i:]:
        s = raw.rstrip()
        if not s:
            if pending:
                pending.append("")
            continue
        m = TABLE.match(s)
        if m:
            out.append(".SS " + roff(m.group(1)))
            text = " ".join(p.strip() for p in pending if p.strip())
            if text:
                out.append(line(text))
            pending = []
            in_table = True
            continue
        commented = s.startswith("#")
        body = re.sub(r"^# ?", "", s) if commented else s
        m = re.match(r'^([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$', body)
        # A commented-out key with a comment of its own ("# human_instrument = "p"  # default:
        # ...") is a key without a default; other comments introduce what follows.
        is_key = m and in_table and (not commented or (not pending and value_and_comment(m.group(2))[1]))
        if not is_key:
            pending.append(body)
            continue
        if pending:  # a comment inside a table, before a key
            out.append(".PP")
            out.append(line(" ".join(p.strip() for p in pending if p.strip())))
            pending = []
        key = m.group(1)
        value, comment = value_and_comment(m.group(2))
        out.append(".TP")
        if commented:
            out.append("\\fB%s\\fR (not set by default; e.g. %s)" % (roff(key), roff(value)))
        else:
            out.append("\\fB%s\\fR = %s" % (roff(key), roff(value)))
        out.append(line(comment) if comment else "Any value of its type.")
    return out, pending


def trailer(pending):
    """The comment block after the last table (the [[cc]] examples), kept as written."""
    while pending and not pending[-1].strip():
        pending.pop()
    if not pending:
        return []
    out = [".SS \"MIDI controllers ([[cc]])\"", ".PP", ".nf"]
    out += [line(p) for p in pending]
    out.append(".fi")
    return out


def main():
    src, template, version, output = sys.argv[1:5]
    with open(src, encoding="utf-8") as f:
        lines = f.readlines()
    body, pending = settings(lines)
    body += trailer(pending)
    with open(template, encoding="utf-8") as f:
        page = f.read()
    page = page.replace("@VERSION@", version).replace("@SETTINGS@", "\n".join(body))
    with open(output, "w", encoding="utf-8") as f:
        f.write(page)


if __name__ == "__main__":
    main()
