#pragma once
// OSC 1.0 packets (messages and bundles) to and from bytes. The decoder takes
// untrusted datagrams and stream frames: it is strict (4-byte alignment, zero
// padding, type tags, string and blob lengths, bundle element sizes, nesting
// depth, a 64 KiB packet) and every refusal names the problem and its byte
// offset, so a control client's bug is found from one error reply.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <variant>
#include <vector>

namespace clara::osc {

inline constexpr std::size_t kMaxPacketBytes = 64 * 1024;
inline constexpr int kMaxBundleDepth = 8;       // a bundle inside a bundle inside ... this deep
inline constexpr std::size_t kMaxArguments = 64;

// OSC timetag: NTP seconds since 1900 in the high 32 bits, fraction in the low. 1 = "now".
inline constexpr std::uint64_t kImmediately = 1;

struct Nil { bool operator==(const Nil&) const = default; };            // 'N'
struct Impulse { bool operator==(const Impulse&) const = default; };    // 'I'
struct TimeTag { std::uint64_t ntp; bool operator==(const TimeTag&) const = default; };  // 't'
using Blob = std::vector<std::uint8_t>;                                  // 'b'

// i (int32), h (int64), f (float32), d (float64), s and S (string, symbol), b, T/F (bool),
// N, I, t, c (char, as int32), m (MIDI, 4 bytes as uint32), r (RGBA, as uint32).
using Value = std::variant<std::int32_t, std::int64_t, float, double, std::string, Blob, bool, Nil, Impulse, TimeTag>;

struct Message {
  std::string address;           // starts with '/'
  std::string types;             // the type tags without the leading ','
  std::vector<Value> arguments;  // one per tag (T, F, N, I included)
  bool operator==(const Message&) const = default;
};

// A message and when it should apply: the timetag of its innermost bundle, or
// kImmediately for a bare message.
struct TimedOscMessage {
  std::uint64_t timetag = kImmediately;
  Message message;
};

struct DecodeError {
  std::size_t offset = 0;  // byte offset in the packet where the problem is
  std::string what;        // "string at byte 12 is not NUL-terminated", ...
};

// One packet: a bare message, or a bundle flattened to its messages in order.
// A bundle whose timetag is earlier than its parent's is refused (OSC 1.0).
using DecodeResult = std::variant<std::vector<TimedOscMessage>, DecodeError>;
DecodeResult decode_packet(std::span<const std::uint8_t> bytes);

// Encoders for replies and for `clara ctl`; `types` decides the wire format of each argument
// (an int32 written as 'c' or 'm' is fine). Throw std::invalid_argument on a message the
// decoder would refuse (bad address, argument/tag mismatch, over kMaxPacketBytes).
std::vector<std::uint8_t> encode_message(const Message& message);
std::vector<std::uint8_t> encode_bundle(std::uint64_t timetag, const std::vector<Message>& messages);

// A bundle of already-encoded packets (messages or bundles), for nesting. Throws
// std::invalid_argument when the result would not decode: an element that is not a packet, an
// inner timetag earlier than `timetag`, nesting past kMaxBundleDepth, over kMaxPacketBytes.
std::vector<std::uint8_t> encode_bundle_of(std::uint64_t timetag,
                                           std::span<const std::vector<std::uint8_t>> packets);

// Builders: a message with the types inferred from the C++ values
// (int32 → i, float → f, double → d, string → s, bool → T/F, Nil → N, ...).
Message make_message(std::string address, std::vector<Value> arguments);

// For logs and `clara ctl`: "/clara/value tempo 120": numbers as %g, strings in double quotes only
// when they hold whitespace or are empty, "<blob 3 bytes>", true/false, nil.
std::string to_text(const Message& message);

}  // namespace clara::osc
