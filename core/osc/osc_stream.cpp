// OSC packets framed on a byte stream: size prefix (OSC 1.0) or SLIP (OSC 1.1).
// Runs of plain bytes are copied in bulk; the frame buffer's capacity is capped
// at max_frame so a hostile peer cannot make it hold more.
#include "core/osc/osc_stream.hpp"

#include <algorithm>
#include <cstdio>
#include <stdexcept>

namespace clara::osc {
namespace {

constexpr std::uint8_t kEnd = 0xC0;
constexpr std::uint8_t kEsc = 0xDB;
constexpr std::uint8_t kEscEnd = 0xDC;
constexpr std::uint8_t kEscEsc = 0xDD;

std::string hex_byte(unsigned v) {
  char text[8];
  std::snprintf(text, sizeof text, "0x%02X", v & 0xFFu);
  return text;
}

}  // namespace

StreamDecoder::StreamDecoder(Framing framing, std::size_t max_frame)
    : framing_(framing), max_frame_(max_frame) {}

std::optional<std::string> StreamDecoder::fail(std::uint64_t at, const std::string& what) {
  error_ = "stream byte " + std::to_string(at) + ": " + what;
  return error_;
}

std::optional<std::string> StreamDecoder::feed(std::span<const std::uint8_t> bytes,
                                               std::vector<std::vector<std::uint8_t>>& frames) {
  if (error_ || bytes.empty()) return error_;
  if (framing_ == Framing::detect) {
    const std::uint8_t first = bytes[0];
    if (first == 0x00) {
      framing_ = Framing::size_prefix;
    } else if (first == kEnd || first == '/' || first == '#') {
      framing_ = Framing::slip;
    } else {
      return fail(offset_, "first byte " + hex_byte(first) +
                               " starts neither a size prefix (0x00) nor SLIP (0xC0, '/' or '#')");
    }
  }
  if (framing_ == Framing::size_prefix) {
    feed_size_prefixed(bytes, frames);
  } else {
    feed_slip(bytes, frames);
  }
  return error_;
}

void StreamDecoder::feed_size_prefixed(std::span<const std::uint8_t> bytes,
                                       std::vector<std::vector<std::uint8_t>>& frames) {
  std::size_t i = 0;
  while (i < bytes.size()) {
    if (!frame_size_) {
      size_bytes_[size_have_++] = bytes[i++];
      ++offset_;
      if (size_have_ < 4) continue;
      size_have_ = 0;
      const auto size = static_cast<std::int32_t>(
          (std::uint32_t{size_bytes_[0]} << 24) | (std::uint32_t{size_bytes_[1]} << 16) |
          (std::uint32_t{size_bytes_[2]} << 8) | std::uint32_t{size_bytes_[3]});
      const std::uint64_t at = offset_ - 4;
      if (size < 0) {
        fail(at, "frame size prefix " + std::to_string(size) + " is negative");
        return;
      }
      if (size == 0) {
        fail(at, "empty frame (size prefix 0)");
        return;
      }
      if (static_cast<std::size_t>(size) > max_frame_) {
        fail(at, "frame size prefix " + std::to_string(size) + " is over the " +
                     std::to_string(max_frame_) + "-byte limit");
        return;
      }
      frame_size_ = static_cast<std::uint32_t>(size);
      buffer_.reserve(*frame_size_);  // becomes the frame handed out: one allocation per frame
      continue;
    }
    const std::size_t take = std::min(bytes.size() - i, *frame_size_ - buffer_.size());
    buffer_.insert(buffer_.end(), bytes.begin() + static_cast<std::ptrdiff_t>(i),
                   bytes.begin() + static_cast<std::ptrdiff_t>(i + take));
    i += take;
    offset_ += take;
    if (buffer_.size() == *frame_size_) {
      frames.push_back(std::move(buffer_));
      buffer_ = {};
      frame_size_.reset();
    }
  }
}

void StreamDecoder::feed_slip(std::span<const std::uint8_t> bytes,
                              std::vector<std::vector<std::uint8_t>>& frames) {
  // Appends [from, to) unless the frame would grow past max_frame; capacity stays within it too.
  const auto append = [&](const std::uint8_t* from, const std::uint8_t* to) {
    const auto n = static_cast<std::size_t>(to - from);
    if (n > max_frame_ - buffer_.size()) {
      fail(offset_ + (max_frame_ - buffer_.size()),
           "SLIP frame longer than the " + std::to_string(max_frame_) + "-byte limit");
      return false;
    }
    if (buffer_.size() + n > buffer_.capacity())
      buffer_.reserve(std::min(max_frame_, std::max(buffer_.size() + n, 2 * buffer_.capacity())));
    buffer_.insert(buffer_.end(), from, to);
    return true;
  };
  const std::uint8_t* p = bytes.data();
  const std::uint8_t* const end = p + bytes.size();
  while (p < end) {
    const std::uint8_t b = *p;
    if (escape_) {
      escape_ = false;
      if (b != kEscEnd && b != kEscEsc) {
        fail(offset_, "SLIP escape 0xDB followed by " + hex_byte(b) + ", not 0xDC or 0xDD");
        return;
      }
      const std::uint8_t plain = b == kEscEnd ? kEnd : kEsc;
      if (!append(&plain, &plain + 1)) return;
      ++p;
      ++offset_;
    } else if (b == kEnd) {
      if (!buffer_.empty()) {  // END END (OSC 1.1's double-END form) makes no empty frame
        frames.push_back(std::move(buffer_));
        buffer_ = {};
      }
      ++p;
      ++offset_;
    } else if (b == kEsc) {
      escape_ = true;
      ++p;
      ++offset_;
    } else {
      const std::uint8_t* run =
          std::find_if(p, end, [](std::uint8_t c) { return c == kEnd || c == kEsc; });
      if (!append(p, run)) return;
      offset_ += static_cast<std::uint64_t>(run - p);
      p = run;
    }
  }
}

std::vector<std::uint8_t> frame_packet(Framing framing, std::span<const std::uint8_t> packet) {
  if (packet.empty()) throw std::invalid_argument("cannot frame an empty OSC packet");
  if (packet.size() > kMaxPacketBytes)
    throw std::invalid_argument("OSC packet of " + std::to_string(packet.size()) +
                                " bytes is over the " + std::to_string(kMaxPacketBytes) +
                                "-byte limit");
  std::vector<std::uint8_t> out;
  if (framing == Framing::size_prefix) {
    const auto n = static_cast<std::uint32_t>(packet.size());
    out = {static_cast<std::uint8_t>(n >> 24), static_cast<std::uint8_t>(n >> 16),
           static_cast<std::uint8_t>(n >> 8), static_cast<std::uint8_t>(n)};
    out.insert(out.end(), packet.begin(), packet.end());
    return out;
  }
  if (framing != Framing::slip)
    throw std::invalid_argument("frame_packet needs a framing: size_prefix or slip, not detect");
  out.reserve(packet.size() + packet.size() / 8 + 2);
  out.push_back(kEnd);
  for (const std::uint8_t b : packet) {
    if (b == kEnd) {
      out.push_back(kEsc);
      out.push_back(kEscEnd);
    } else if (b == kEsc) {
      out.push_back(kEsc);
      out.push_back(kEscEsc);
    } else {
      out.push_back(b);
    }
  }
  out.push_back(kEnd);
  return out;
}

}  // namespace clara::osc
