#pragma once
// OSC over a byte stream (TCP): OSC 1.0's int32 big-endian size prefix, or OSC
// 1.1's SLIP (RFC 1055 double-END framing). A connection is either; `detect`
// decides from its first byte (0x00: a size prefix, as every frame under 64 KiB
// starts; 0xC0, '/' or '#': SLIP), which is how liblo's osc.tcp:// and
// SLIP-speaking apps both work on one port. Bounded: a frame over
// kMaxPacketBytes (a 2 GiB size prefix, an endless SLIP frame) is an error, the
// buffer never grows past it, and the caller closes the connection.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/osc/osc_packet.hpp"

namespace clara::osc {

enum class Framing { detect, size_prefix, slip };

class StreamDecoder {
 public:
  explicit StreamDecoder(Framing framing = Framing::detect, std::size_t max_frame = kMaxPacketBytes);

  // Feeds received bytes; complete frames are appended to `frames` (each the bytes of
  // one OSC packet, not yet decoded). Returns an error once the stream is unusable
  // (first byte neither framing, a frame over max_frame, a bad SLIP escape); after an
  // error, feed() returns the same error and appends nothing.
  std::optional<std::string> feed(std::span<const std::uint8_t> bytes, std::vector<std::vector<std::uint8_t>>& frames);

  Framing framing() const { return framing_; }  // detect until the first byte came
  std::size_t buffered() const { return buffer_.size(); }  // bytes of an incomplete frame

 private:
  Framing framing_;
  std::size_t max_frame_;
  std::vector<std::uint8_t> buffer_;
  std::optional<std::string> error_;
  bool escape_ = false;
  std::uint8_t size_bytes_[4] = {};
  std::size_t size_have_ = 0;
  std::optional<std::uint32_t> frame_size_;
  std::uint64_t offset_ = 0;  // stream bytes consumed so far: errors name the byte

  std::optional<std::string> fail(std::uint64_t at, const std::string& what);
  void feed_size_prefixed(std::span<const std::uint8_t> bytes, std::vector<std::vector<std::uint8_t>>& frames);
  void feed_slip(std::span<const std::uint8_t> bytes, std::vector<std::vector<std::uint8_t>>& frames);
};

// One packet framed for the stream: the size prefix and the bytes, or SLIP's END, the escaped
// bytes, END. Throws std::invalid_argument for an empty packet, one over kMaxPacketBytes, or
// Framing::detect (a sender picks one).
std::vector<std::uint8_t> frame_packet(Framing framing, std::span<const std::uint8_t> packet);

}  // namespace clara::osc
