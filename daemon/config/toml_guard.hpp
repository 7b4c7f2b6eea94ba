#pragma once
// What the config loader checks in a file's raw bytes before toml++ sees them. toml++ 3.3.0
// is the parser, but its parser asserts (TOML_ASSERT_ASSUME) rather than checks some of what
// it is given, and Debian's libtomlplusplus.so.3 is built with NDEBUG, where such an
// assertion is an optimiser assumption: input that breaks one is undefined behaviour, not an
// error. So the text is refused here, with the file, line and column, when it is larger than
// any clarad.toml needs, nests deeper than any needs, is not UTF-8, or has a non-ASCII
// character outside strings and comments. (docs/daemon.md, "Settings": what each guard is
// for and what toml++'s build allows.)
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace clara::daemon {

// The shipped config/clarad.toml is under 6 KiB; a file over 64 KiB is not a settings file.
inline constexpr std::size_t kMaxConfigBytes = 64 * 1024;
// Levels open at once: each key of a table header, of a line's dotted key and of a key
// inside an inline table, and each array. clarad's schema needs 3 ([[midi.output]]
// connect = [...]).
// toml++ limits arrays and inline tables to 256 levels but not dotted keys: `a.a.a...` 32000
// levels deep overflows its stack (a segmentation fault, found while writing this guard).
inline constexpr int kMaxConfigNesting = 32;

// The first thing wrong with `text` as a file toml++ may parse, as one line naming `name`:
// "NAME: 70000 bytes: ...", "NAME:LINE:COLUMN: nested deeper than 32 levels ...",
// "NAME:LINE:COLUMN: invalid UTF-8 (the sequence at byte offset 12, starting 0xFF) ...";
// nullopt when it may be parsed.
std::optional<std::string> toml_text_problem(std::string_view text, const std::string& name);

}  // namespace clara::daemon
