// OSC 1.0 packets to and from bytes.
// The decoder reads straight off the caller's span, every read bounded by the
// element it is in (a message, a bundle, a bundle element), so a hostile size
// stops it with an error but never makes it read or allocate past the packet.
// Nesting is followed by recursion bounded by kMaxBundleDepth.
#include "core/osc/osc_packet.hpp"

#include <bit>
#include <cstdio>
#include <optional>
#include <stdexcept>
#include <string_view>
#include <type_traits>

namespace clara::osc {
namespace {

constexpr std::string_view kBundleHeader{"#bundle\0", 8};
constexpr std::string_view kSupportedTags = "ihfdsSbTFNItcmr";

std::uint32_t be32(const std::uint8_t* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) |
         std::uint32_t{p[3]};
}
std::uint64_t be64(const std::uint8_t* p) { return (std::uint64_t{be32(p)} << 32) | be32(p + 4); }

std::size_t padded(std::size_t n) { return (n + 3) & ~std::size_t{3}; }

std::string hex_byte(unsigned v) {
  char text[8];
  std::snprintf(text, sizeof text, "0x%02X", v & 0xFFu);
  return text;
}

std::string hex64(std::uint64_t v) {
  char text[24];
  std::snprintf(text, sizeof text, "0x%016llX", static_cast<unsigned long long>(v));
  return text;
}

// A tag as an error shows it: 'i', or its code when it is not printable.
std::string quoted_tag(std::uint8_t tag) {
  if (tag >= 0x21 && tag <= 0x7E) return std::string("'") + static_cast<char>(tag) + "'";
  return hex_byte(tag);
}

bool printable_address_byte(std::uint8_t c) { return c >= 0x21 && c <= 0x7E; }

std::size_t fixed_size(char tag) {
  switch (tag) {
    case 'i':
    case 'f':
    case 'c':
    case 'm':
    case 'r':
      return 4;
    case 'h':
    case 'd':
    case 't':
      return 8;
    default:
      return 0;
  }
}

class Decoder {
 public:
  explicit Decoder(std::span<const std::uint8_t> packet) : packet_(packet) {}

  DecodeResult run() {
    const std::size_t size = packet_.size();
    if (size == 0) {
      fail(0, "empty packet");
    } else if (size > kMaxPacketBytes) {
      fail(kMaxPacketBytes, "packet of " + std::to_string(size) + " bytes is over the " +
                                std::to_string(kMaxPacketBytes) + "-byte limit");
    } else if (size % 4 != 0) {
      fail(size - size % 4, "packet size " + std::to_string(size) + " is not a multiple of 4");
    } else {
      element(0, size, std::nullopt, 0);
    }
    if (failed_) return error_;
    return std::move(messages_);
  }

 private:
  bool fail(std::size_t offset, const std::string& what) {
    failed_ = true;
    error_ = DecodeError{offset, "byte " + std::to_string(offset) + ": " + what};
    return false;
  }

  // [begin, end) is a whole packet (depth 0) or one bundle element.
  bool element(std::size_t begin, std::size_t end, std::optional<std::uint64_t> parent_timetag,
               int depth) {
    const char* what = depth == 0 ? "packet" : "bundle element";
    const std::uint8_t first = packet_[begin];
    if (first == '/') return message(begin, end, parent_timetag.value_or(kImmediately));
    if (first != '#')
      return fail(begin, std::string(what) + " starts with " + hex_byte(first) +
                             ", neither a message ('/') nor a bundle ('#bundle')");
    if (end - begin < kBundleHeader.size() ||
        std::string_view(reinterpret_cast<const char*>(&packet_[begin]), kBundleHeader.size()) !=
            kBundleHeader)
      return fail(begin, std::string(what) + " starts with '#' but not with \"#bundle\" and a NUL");
    if (depth + 1 > kMaxBundleDepth)
      return fail(begin, "bundle nested " + std::to_string(depth + 1) +
                             " deep, over the limit of " + std::to_string(kMaxBundleDepth));
    return bundle(begin, end, parent_timetag, depth + 1);
  }

  bool bundle(std::size_t begin, std::size_t end, std::optional<std::uint64_t> parent_timetag,
              int depth) {
    std::size_t pos = begin + kBundleHeader.size();
    if (end - pos < 8) return fail(pos, "bundle ends before its 8-byte timetag");
    const std::uint64_t timetag = be64(&packet_[pos]);
    if (parent_timetag && timetag < *parent_timetag)
      return fail(pos, "bundle timetag " + hex64(timetag) + " is earlier than its parent's " +
                           hex64(*parent_timetag));
    pos += 8;
    while (pos < end) {
      // Every element size is a multiple of 4 and so is the packet, so 4 bytes are always here.
      const auto size = static_cast<std::int32_t>(be32(&packet_[pos]));
      if (size == 0) return fail(pos, "bundle element has size 0");
      if (size < 0)
        return fail(pos, "bundle element size " + std::to_string(size) + " is negative");
      if (size % 4 != 0)
        return fail(pos, "bundle element size " + std::to_string(size) + " is not a multiple of 4");
      const std::size_t left = end - pos - 4;
      if (static_cast<std::size_t>(size) > left)
        return fail(pos, "bundle element size " + std::to_string(size) +
                             " runs past the end of the bundle (" + std::to_string(left) +
                             " bytes left)");
      if (!element(pos + 4, pos + 4 + static_cast<std::size_t>(size), timetag, depth)) return false;
      pos += 4 + static_cast<std::size_t>(size);
    }
    return true;
  }

  // Reads an OSC string at `pos` (a NUL-terminated run, zero-padded to 4 bytes) ending
  // before `end`; `what()` names it in errors. Moves `pos` past the padding.
  // `what` is called only on failure, so a string read allocates nothing.
  template <class What>
  bool string(std::size_t& pos, std::size_t end, const What& what, std::string_view& out) {
    std::size_t nul = pos;
    while (nul < end && packet_[nul] != 0) ++nul;
    if (nul == end) return fail(pos, what() + " is not NUL-terminated");
    const std::size_t next = pos + padded(nul - pos + 1);
    // Strings start 4-aligned and elements end 4-aligned, so the padding fits: checked anyway.
    if (next > end) return fail(nul, what() + ": padding runs past the end");
    for (std::size_t i = nul + 1; i < next; ++i)
      if (packet_[i] != 0)
        return fail(i, what() + ": non-zero padding byte " + hex_byte(packet_[i]));
    out = std::string_view(reinterpret_cast<const char*>(&packet_[pos]), nul - pos);
    pos = next;
    return true;
  }

  bool message(std::size_t begin, std::size_t end, std::uint64_t timetag) {
    std::size_t pos = begin;
    std::string_view address;
    if (!string(
            pos, end, [] { return std::string("address"); }, address))
      return false;
    for (std::size_t i = 0; i < address.size(); ++i) {
      const auto c = static_cast<std::uint8_t>(address[i]);
      if (!printable_address_byte(c))
        return fail(begin + i, "address has a non-printable byte " + hex_byte(c));
    }
    if (pos == end)
      return fail(pos, "message has no type tag string (OSC 1.0 requires one, starting with ',')");
    if (packet_[pos] != ',')
      return fail(pos, "type tag string starts with " + quoted_tag(packet_[pos]) + ", not ','");
    const std::size_t tags_at = pos + 1;
    std::string_view tags;
    if (!string(
            pos, end, [] { return std::string("type tag string"); }, tags))
      return false;
    tags.remove_prefix(1);
    if (tags.size() > kMaxArguments)
      return fail(tags_at, std::to_string(tags.size()) + " arguments, over the limit of " +
                               std::to_string(kMaxArguments));
    for (std::size_t i = 0; i < tags.size(); ++i)
      if (kSupportedTags.find(tags[i]) == std::string_view::npos)
        return fail(tags_at + i,
                    "unknown type tag " + quoted_tag(static_cast<std::uint8_t>(tags[i])));

    TimedOscMessage decoded;
    decoded.timetag = timetag;
    decoded.message.address.assign(address);
    decoded.message.types.assign(tags);
    decoded.message.arguments.reserve(tags.size());
    for (std::size_t i = 0; i < tags.size(); ++i) {
      const char tag = tags[i];
      const auto name = [&] { return "argument " + std::to_string(i + 1) + " ('" + tag + "')"; };
      // A string takes at least its NUL and padding, a blob its size.
      const std::size_t need = tag == 'b' || tag == 's' || tag == 'S' ? 4 : fixed_size(tag);
      if (end - pos < need)
        return fail(pos, name() + " needs " + std::to_string(need) + " bytes, only " +
                             std::to_string(end - pos) + " left in the message");
      auto& args = decoded.message.arguments;
      switch (tag) {
        case 'i':
        case 'c':
        case 'm':
        case 'r':
          args.emplace_back(static_cast<std::int32_t>(be32(&packet_[pos])));
          break;
        case 'h':
          args.emplace_back(static_cast<std::int64_t>(be64(&packet_[pos])));
          break;
        case 'f':
          args.emplace_back(std::bit_cast<float>(be32(&packet_[pos])));
          break;
        case 'd':
          args.emplace_back(std::bit_cast<double>(be64(&packet_[pos])));
          break;
        case 't':
          args.emplace_back(TimeTag{be64(&packet_[pos])});
          break;
        case 'T':
          args.emplace_back(true);
          break;
        case 'F':
          args.emplace_back(false);
          break;
        case 'N':
          args.emplace_back(Nil{});
          break;
        case 'I':
          args.emplace_back(Impulse{});
          break;
        case 's':
        case 'S': {
          std::string_view text;
          if (!string(
                  pos, end, [&] { return name() + " string"; }, text))
            return false;
          args.emplace_back(std::string(text));
          break;
        }
        case 'b': {
          const auto size = static_cast<std::int32_t>(be32(&packet_[pos]));
          if (size < 0)
            return fail(pos, name() + " blob size " + std::to_string(size) + " is negative");
          const std::size_t left = end - pos - 4;
          if (static_cast<std::size_t>(size) > left)
            return fail(pos, name() + " blob size " + std::to_string(size) +
                                 " runs past the end of the message (" + std::to_string(left) +
                                 " bytes left)");
          const std::size_t data = pos + 4;
          const std::size_t next = data + padded(static_cast<std::size_t>(size));
          if (next > end)
            return fail(pos, name() + " blob padding runs past the end of the message");
          for (std::size_t j = data + static_cast<std::size_t>(size); j < next; ++j)
            if (packet_[j] != 0)
              return fail(j, name() + " blob: non-zero padding byte " + hex_byte(packet_[j]));
          args.emplace_back(Blob(packet_.begin() + static_cast<std::ptrdiff_t>(data),
                                 packet_.begin() + static_cast<std::ptrdiff_t>(data) + size));
          pos = next;
          break;
        }
        default:
          break;  // refused above
      }
      pos += fixed_size(tag);
    }
    if (pos != end)
      return fail(pos, std::to_string(end - pos) + " trailing bytes after the last argument");
    messages_.push_back(std::move(decoded));
    return true;
  }

  std::span<const std::uint8_t> packet_;
  std::vector<TimedOscMessage> messages_;
  DecodeError error_;
  bool failed_ = false;
};

// ---- encoding ----

const char* alternative_name(const Value& v) {
  static constexpr const char* kNames[] = {"int32", "int64", "float", "double",  "string",
                                           "blob",  "bool",  "nil",   "impulse", "timetag"};
  static_assert(std::size(kNames) == std::variant_size_v<Value>);
  return kNames[v.index()];
}

// Throws unless `v` may be written as `tag`; returns the bytes it takes on the wire.
std::size_t check_argument(const Message& m, std::size_t i, char tag, const Value& v) {
  const auto fail = [&](const std::string& what) {
    throw std::invalid_argument("OSC message " + m.address + " argument " + std::to_string(i + 1) +
                                ": " + what);
  };
  const auto need = [&](bool ok, const char* wanted) {
    if (!ok)
      fail(std::string("tag '") + tag + "' needs " + wanted + " but holds " + alternative_name(v));
  };
  switch (tag) {
    case 'i':
    case 'c':
    case 'm':
    case 'r':
      need(std::holds_alternative<std::int32_t>(v), "an int32");
      return 4;
    case 'h':
      need(std::holds_alternative<std::int64_t>(v), "an int64");
      return 8;
    case 'f':
      need(std::holds_alternative<float>(v), "a float");
      return 4;
    case 'd':
      need(std::holds_alternative<double>(v), "a double");
      return 8;
    case 't':
      need(std::holds_alternative<TimeTag>(v), "a timetag");
      return 8;
    case 'T':
      need(std::holds_alternative<bool>(v) && std::get<bool>(v), "true");
      return 0;
    case 'F':
      need(std::holds_alternative<bool>(v) && !std::get<bool>(v), "false");
      return 0;
    case 'N':
      need(std::holds_alternative<Nil>(v), "nil");
      return 0;
    case 'I':
      need(std::holds_alternative<Impulse>(v), "an impulse");
      return 0;
    case 's':
    case 'S': {
      need(std::holds_alternative<std::string>(v), "a string");
      const std::string& s = std::get<std::string>(v);
      if (s.find('\0') != std::string::npos) fail("string holds a NUL byte");
      return padded(s.size() + 1);
    }
    case 'b': {
      need(std::holds_alternative<Blob>(v), "a blob");
      const Blob& b = std::get<Blob>(v);
      if (b.size() > kMaxPacketBytes)
        fail("blob of " + std::to_string(b.size()) + " bytes is over the packet limit");
      return 4 + padded(b.size());
    }
    default:
      fail("unknown type tag " + quoted_tag(static_cast<std::uint8_t>(tag)));
  }
  return 0;
}

// Validates `m` as the decoder would and returns its encoded size.
std::size_t encoded_size(const Message& m) {
  if (m.address.empty() || m.address[0] != '/')
    throw std::invalid_argument("OSC address must start with '/': \"" + m.address + "\"");
  for (std::size_t i = 0; i < m.address.size(); ++i)
    if (!printable_address_byte(static_cast<std::uint8_t>(m.address[i])))
      throw std::invalid_argument("OSC address has a non-printable byte " +
                                  hex_byte(static_cast<std::uint8_t>(m.address[i])) + " at index " +
                                  std::to_string(i));
  if (m.types.size() > kMaxArguments)
    throw std::invalid_argument("OSC message " + m.address + ": " + std::to_string(m.types.size()) +
                                " arguments, over the limit of " + std::to_string(kMaxArguments));
  if (m.types.size() != m.arguments.size())
    throw std::invalid_argument("OSC message " + m.address + ": type tags \"" + m.types +
                                "\" name " + std::to_string(m.types.size()) +
                                " arguments but it holds " + std::to_string(m.arguments.size()));
  std::size_t size = padded(m.address.size() + 1) + padded(m.types.size() + 2);
  for (std::size_t i = 0; i < m.types.size(); ++i)
    size += check_argument(m, i, m.types[i], m.arguments[i]);
  if (size > kMaxPacketBytes)
    throw std::invalid_argument("OSC message " + m.address + " encodes to " + std::to_string(size) +
                                " bytes, over the " + std::to_string(kMaxPacketBytes) +
                                "-byte limit");
  return size;
}

class Writer {
 public:
  explicit Writer(std::vector<std::uint8_t>& out) : out_(out) {}
  void u32(std::uint32_t v) {
    for (int shift = 24; shift >= 0; shift -= 8)
      out_.push_back(static_cast<std::uint8_t>(v >> shift));
  }
  void u64(std::uint64_t v) {
    u32(static_cast<std::uint32_t>(v >> 32));
    u32(static_cast<std::uint32_t>(v));
  }
  void bytes(const void* data, std::size_t n) {
    const auto* p = static_cast<const std::uint8_t*>(data);
    out_.insert(out_.end(), p, p + n);
  }
  void pad() { out_.resize(padded(out_.size()), 0); }  // the packet starts 4-aligned
  void string(std::string_view s) {
    bytes(s.data(), s.size());
    out_.push_back(0);
    pad();
  }

 private:
  std::vector<std::uint8_t>& out_;
};

void write_message(Writer& w, const Message& m) {
  w.string(m.address);
  w.string("," + m.types);
  for (std::size_t i = 0; i < m.types.size(); ++i) {
    const Value& v = m.arguments[i];
    switch (m.types[i]) {
      case 'i':
      case 'c':
      case 'm':
      case 'r':
        w.u32(static_cast<std::uint32_t>(std::get<std::int32_t>(v)));
        break;
      case 'h':
        w.u64(static_cast<std::uint64_t>(std::get<std::int64_t>(v)));
        break;
      case 'f':
        w.u32(std::bit_cast<std::uint32_t>(std::get<float>(v)));
        break;
      case 'd':
        w.u64(std::bit_cast<std::uint64_t>(std::get<double>(v)));
        break;
      case 't':
        w.u64(std::get<TimeTag>(v).ntp);
        break;
      case 's':
      case 'S':
        w.string(std::get<std::string>(v));
        break;
      case 'b': {
        const Blob& b = std::get<Blob>(v);
        w.u32(static_cast<std::uint32_t>(b.size()));
        w.bytes(b.data(), b.size());
        w.pad();
        break;
      }
      default:
        break;  // T F N I carry no bytes
    }
  }
}

void check_bundle_size(std::size_t size) {
  if (size > kMaxPacketBytes)
    throw std::invalid_argument("OSC bundle encodes to " + std::to_string(size) +
                                " bytes, over the " + std::to_string(kMaxPacketBytes) +
                                "-byte limit");
}

std::string format_number(double v) {
  char text[32];
  std::snprintf(text, sizeof text, "%g", v);
  return text;
}

bool needs_quotes(const std::string& s) {
  if (s.empty()) return true;
  for (const char c : s)
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f') return true;
  return false;
}

std::string format_string(const std::string& s) {
  if (!needs_quotes(s)) return s;
  std::string out = "\"";
  for (const char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

std::string format_argument(char tag, const Value& v) {
  if (const auto* i = std::get_if<std::int32_t>(&v)) {
    const auto u = static_cast<std::uint32_t>(*i);
    char text[32];
    if (tag == 'c' && *i >= 0x20 && *i <= 0x7E) {
      std::snprintf(text, sizeof text, "'%c'", static_cast<char>(*i));
    } else if (tag == 'm') {
      std::snprintf(text, sizeof text, "<midi %02X %02X %02X %02X>", u >> 24, (u >> 16) & 0xFF,
                    (u >> 8) & 0xFF, u & 0xFF);
    } else if (tag == 'r') {
      std::snprintf(text, sizeof text, "#%08X", u);
    } else {
      return std::to_string(*i);
    }
    return text;
  }
  return std::visit(
      [](const auto& x) -> std::string {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, std::int64_t>)
          return std::to_string(x);
        else if constexpr (std::is_same_v<T, float> || std::is_same_v<T, double>)
          return format_number(x);
        else if constexpr (std::is_same_v<T, std::string>)
          return format_string(x);
        else if constexpr (std::is_same_v<T, Blob>)
          return "<blob " + std::to_string(x.size()) + " bytes>";
        else if constexpr (std::is_same_v<T, bool>)
          return x ? "true" : "false";
        else if constexpr (std::is_same_v<T, Nil>)
          return "nil";
        else if constexpr (std::is_same_v<T, Impulse>)
          return "impulse";
        else if constexpr (std::is_same_v<T, TimeTag>)
          return x.ntp == kImmediately ? "<timetag immediately>" : "<timetag " + hex64(x.ntp) + ">";
        else
          return std::to_string(x);  // int32, handled above
      },
      v);
}

}  // namespace

DecodeResult decode_packet(std::span<const std::uint8_t> bytes) { return Decoder(bytes).run(); }

std::vector<std::uint8_t> encode_message(const Message& message) {
  std::vector<std::uint8_t> out;
  out.reserve(encoded_size(message));
  Writer w(out);
  write_message(w, message);
  return out;
}

std::vector<std::uint8_t> encode_bundle(std::uint64_t timetag,
                                        const std::vector<Message>& messages) {
  std::size_t size = kBundleHeader.size() + 8;
  for (const Message& m : messages) size += 4 + encoded_size(m);
  check_bundle_size(size);
  std::vector<std::uint8_t> out;
  out.reserve(size);
  Writer w(out);
  w.bytes(kBundleHeader.data(), kBundleHeader.size());
  w.u64(timetag);
  for (const Message& m : messages) {
    const std::size_t at = out.size();
    w.u32(0);  // the element size, known once it is written
    write_message(w, m);
    const auto n = static_cast<std::uint32_t>(out.size() - at - 4);
    for (int k = 0; k < 4; ++k)
      out[at + static_cast<std::size_t>(k)] = static_cast<std::uint8_t>(n >> (24 - 8 * k));
  }
  return out;
}

std::vector<std::uint8_t> encode_bundle_of(std::uint64_t timetag,
                                           std::span<const std::vector<std::uint8_t>> packets) {
  std::size_t size = kBundleHeader.size() + 8;
  for (const auto& p : packets) size += 4 + p.size();
  check_bundle_size(size);
  std::vector<std::uint8_t> out;
  out.reserve(size);
  Writer w(out);
  w.bytes(kBundleHeader.data(), kBundleHeader.size());
  w.u64(timetag);
  for (const auto& p : packets) {
    w.u32(static_cast<std::uint32_t>(p.size()));
    w.bytes(p.data(), p.size());
  }
  // The elements are bytes from elsewhere: the decoder is the one definition of a valid bundle.
  const DecodeResult check = decode_packet(out);
  if (const auto* e = std::get_if<DecodeError>(&check))
    throw std::invalid_argument("OSC bundle would not decode: " + e->what);
  return out;
}

Message make_message(std::string address, std::vector<Value> arguments) {
  Message m{std::move(address), {}, std::move(arguments)};
  m.types.reserve(m.arguments.size());
  for (const Value& v : m.arguments) {
    m.types += std::visit(
        [](const auto& x) -> char {
          using T = std::decay_t<decltype(x)>;
          if constexpr (std::is_same_v<T, std::int32_t>)
            return 'i';
          else if constexpr (std::is_same_v<T, std::int64_t>)
            return 'h';
          else if constexpr (std::is_same_v<T, float>)
            return 'f';
          else if constexpr (std::is_same_v<T, double>)
            return 'd';
          else if constexpr (std::is_same_v<T, std::string>)
            return 's';
          else if constexpr (std::is_same_v<T, Blob>)
            return 'b';
          else if constexpr (std::is_same_v<T, bool>)
            return x ? 'T' : 'F';
          else if constexpr (std::is_same_v<T, Nil>)
            return 'N';
          else if constexpr (std::is_same_v<T, Impulse>)
            return 'I';
          else
            return 't';
        },
        v);
  }
  return m;
}

std::string to_text(const Message& message) {
  std::string out = message.address;
  for (std::size_t i = 0; i < message.arguments.size(); ++i) {
    out += ' ';
    out +=
        format_argument(i < message.types.size() ? message.types[i] : '\0', message.arguments[i]);
  }
  return out;
}

}  // namespace clara::osc
