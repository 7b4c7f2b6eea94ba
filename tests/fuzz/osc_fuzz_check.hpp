#pragma once
// The properties both the libFuzzer target and the regression runner check, on
// any bytes taken both as one OSC packet and as a TCP stream in each framing:
//  - decode_packet accepts, or refuses with "byte N: ..." where N is the error's
//    offset and lies within the packet;
//  - whatever it accepts the encoder accepts too, and the bytes decode to the
//    same messages: a bare message re-encodes to exactly its input (the strict
//    decoder leaves one way to write each message), a bundle's messages
//    re-encoded as bundles of their timetags decode to the same timed messages;
//  - a StreamDecoder hands out frames no larger than its limit and finds the
//    same frames and the same error whether the bytes come at once or in
//    pieces; each frame, framed again, comes back out unchanged.
// Any other outcome throws std::logic_error (or crashes under the sanitizers).
// Messages are compared by their encoded bytes: a NaN argument is not == itself.
#include <algorithm>
#include <cstdint>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/osc/osc_packet.hpp"
#include "core/osc/osc_stream.hpp"

namespace clara::fuzz {

inline std::vector<std::uint8_t> reencode(const osc::Message& m) {
  try {
    return osc::encode_message(m);
  } catch (const std::invalid_argument& e) {
    throw std::logic_error("the encoder refuses a message the decoder accepted: " +
                           std::string(e.what()));
  }
}

inline std::vector<osc::TimedOscMessage> decode_or_throw(std::span<const std::uint8_t> bytes,
                                                         const char* what) {
  osc::DecodeResult r = osc::decode_packet(bytes);
  if (const auto* e = std::get_if<osc::DecodeError>(&r))
    throw std::logic_error(std::string(what) + " does not decode: " + e->what);
  return std::get<std::vector<osc::TimedOscMessage>>(std::move(r));
}

// Returns true when the bytes decoded as a packet, false when they were refused cleanly.
inline bool check_osc_packet(std::span<const std::uint8_t> bytes) {
  osc::DecodeResult result = osc::decode_packet(bytes);
  if (const auto* e = std::get_if<osc::DecodeError>(&result)) {
    if (e->offset > std::max(bytes.size(), osc::kMaxPacketBytes))
      throw std::logic_error("error offset " + std::to_string(e->offset) +
                             " past the packet: " + e->what);
    if (e->what.rfind("byte " + std::to_string(e->offset) + ": ", 0) != 0)
      throw std::logic_error("error text does not start with its offset " +
                             std::to_string(e->offset) + ": " + e->what);
    return false;
  }
  const auto& messages = std::get<std::vector<osc::TimedOscMessage>>(result);
  if (bytes.size() > osc::kMaxPacketBytes || bytes.size() % 4 != 0)
    throw std::logic_error("accepted a packet of " + std::to_string(bytes.size()) + " bytes");

  for (const osc::TimedOscMessage& t : messages) {
    const std::vector<std::uint8_t> once = reencode(t.message);
    const auto again = decode_or_throw(once, "a re-encoded message");
    if (again.size() != 1 || again[0].timetag != osc::kImmediately ||
        reencode(again[0].message) != once)
      throw std::logic_error("a re-encoded message decodes to something else: " +
                             osc::to_text(t.message));
  }
  if (bytes[0] == '/') {
    if (messages.size() != 1)
      throw std::logic_error("a bare message decoded to " + std::to_string(messages.size()));
    if (reencode(messages[0].message) != std::vector<std::uint8_t>(bytes.begin(), bytes.end()))
      throw std::logic_error("a bare message re-encodes to other bytes: " +
                             osc::to_text(messages[0].message));
    return true;
  }

  // The bundle again: runs of messages with one timetag as inner bundles of an outer one.
  std::uint64_t earliest = osc::kImmediately;
  if (!messages.empty()) {
    earliest = messages[0].timetag;
    for (const auto& t : messages) earliest = std::min(earliest, t.timetag);
  }
  std::vector<std::vector<std::uint8_t>> inner;
  std::size_t size = 16;
  for (std::size_t i = 0; i < messages.size();) {
    std::vector<osc::Message> run;
    std::size_t j = i;
    for (; j < messages.size() && messages[j].timetag == messages[i].timetag; ++j)
      run.push_back(messages[j].message);
    std::size_t run_size = 20;
    for (const auto& m : run) run_size += 4 + reencode(m).size();
    size += 4 + run_size;
    if (size > osc::kMaxPacketBytes)
      return true;  // the rewrite is larger than the original; nothing to compare
    inner.push_back(osc::encode_bundle(messages[i].timetag, run));
    i = j;
  }
  std::vector<std::uint8_t> outer;
  try {
    outer = osc::encode_bundle_of(earliest, inner);
  } catch (const std::invalid_argument& e) {
    throw std::logic_error("the decoded bundle does not encode again: " + std::string(e.what()));
  }
  const auto again = decode_or_throw(outer, "the re-encoded bundle");
  if (again.size() != messages.size())
    throw std::logic_error("the re-encoded bundle holds " + std::to_string(again.size()) +
                           " messages, not " + std::to_string(messages.size()));
  for (std::size_t i = 0; i < messages.size(); ++i)
    if (again[i].timetag != messages[i].timetag ||
        reencode(again[i].message) != reencode(messages[i].message))
      throw std::logic_error(
          "message " + std::to_string(i) +
          " of the re-encoded bundle differs: " + osc::to_text(again[i].message));
  return true;
}

struct StreamOutcome {
  std::vector<std::vector<std::uint8_t>> frames;
  std::optional<std::string> error;
};

inline StreamOutcome run_stream(osc::Framing framing, std::span<const std::uint8_t> bytes,
                                std::size_t chunk) {
  osc::StreamDecoder decoder(framing);
  StreamOutcome out;
  for (std::size_t at = 0; at < bytes.size() && !out.error; at += chunk) {
    out.error = decoder.feed(bytes.subspan(at, std::min(chunk, bytes.size() - at)), out.frames);
    if (decoder.buffered() > osc::kMaxPacketBytes)
      throw std::logic_error("the stream decoder buffers " + std::to_string(decoder.buffered()) +
                             " bytes");
  }
  if (out.error) {
    std::vector<std::vector<std::uint8_t>> none;
    if (decoder.feed(bytes.first(std::min<std::size_t>(bytes.size(), 4)), none) != out.error ||
        !none.empty())
      throw std::logic_error("a stream error did not stick: " + *out.error);
  }
  return out;
}

// Returns the outcome of one framing, fed at once (also checked against feeding in pieces).
inline StreamOutcome check_osc_stream(osc::Framing framing, std::span<const std::uint8_t> bytes) {
  StreamOutcome whole = run_stream(framing, bytes, bytes.size() + 1);
  // Pieces of 1 to 32 bytes, chosen by the input: splits land inside prefixes, escapes, frames.
  const std::size_t chunk = bytes.empty() ? 1 : 1 + bytes[bytes.size() - 1] % 32;
  const StreamOutcome pieces = run_stream(framing, bytes, chunk);
  if (pieces.frames != whole.frames || pieces.error.has_value() != whole.error.has_value())
    throw std::logic_error("the stream decodes differently in pieces of " + std::to_string(chunk) +
                           " bytes");
  for (const auto& frame : whole.frames) {
    if (frame.empty() || frame.size() > osc::kMaxPacketBytes)
      throw std::logic_error("a stream frame of " + std::to_string(frame.size()) + " bytes");
    check_osc_packet(frame);
    for (const osc::Framing again : {osc::Framing::size_prefix, osc::Framing::slip}) {
      const StreamOutcome back =
          run_stream(osc::Framing::detect, osc::frame_packet(again, frame), 4096);
      if (back.error || back.frames.size() != 1 || back.frames[0] != frame)
        throw std::logic_error("a frame framed again does not come back" +
                               (back.error ? ": " + *back.error : ""));
    }
  }
  return whole;
}

inline void check_osc_bytes(std::span<const std::uint8_t> bytes) {
  check_osc_packet(bytes);
  for (const osc::Framing f : {osc::Framing::detect, osc::Framing::size_prefix, osc::Framing::slip})
    check_osc_stream(f, bytes);
}

}  // namespace clara::fuzz
