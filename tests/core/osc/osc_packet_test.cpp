// The OSC codec: a table of malformed packets with the exact refusal each gets,
// round trips of every type and of nested bundles, and liblo as the second
// opinion (its encoder's bytes decode with ours, ours deserialise with its).
#include "core/osc/osc_packet.hpp"

#include <gtest/gtest.h>
#include <lo/lo.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <set>
#include <stdexcept>
#include <string_view>

namespace clara::osc {
namespace {

using Bytes = std::vector<std::uint8_t>;

Bytes operator+(Bytes a, const Bytes& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}
// Bytes exactly as written (embedded NULs included: pass a string_view literal).
Bytes raw(std::string_view text) { return Bytes(text.begin(), text.end()); }
// An OSC string: the text, a NUL, zero padding to 4 bytes.
Bytes str(std::string_view text) {
  Bytes b = raw(text);
  b.push_back(0);
  while (b.size() % 4 != 0) b.push_back(0);
  return b;
}
Bytes i32(std::int64_t v) {
  const auto u = static_cast<std::uint32_t>(v);
  return {static_cast<std::uint8_t>(u >> 24), static_cast<std::uint8_t>(u >> 16),
          static_cast<std::uint8_t>(u >> 8), static_cast<std::uint8_t>(u)};
}
Bytes u64(std::uint64_t v) {
  return i32(static_cast<std::int64_t>(v >> 32)) + i32(static_cast<std::int64_t>(v & 0xFFFFFFFF));
}
Bytes bundle(std::uint64_t timetag) { return raw(std::string_view("#bundle\0", 8)) + u64(timetag); }
Bytes element(const Bytes& packet) {
  return i32(static_cast<std::int64_t>(packet.size())) + packet;
}

using namespace std::string_view_literals;

std::vector<TimedOscMessage> decode_ok(const Bytes& bytes) {
  DecodeResult r = decode_packet(bytes);
  if (const auto* e = std::get_if<DecodeError>(&r)) {
    ADD_FAILURE() << "refused: " << e->what;
    return {};
  }
  return std::get<std::vector<TimedOscMessage>>(std::move(r));
}

// ---- the malformed table ----

struct Malformed {
  const char* name;
  Bytes bytes;
  std::size_t offset;
  std::string what;  // the whole error text
};

Bytes nested_bundles(int depth) {
  Bytes inner = str("/a") + str(",");
  for (int level = 0; level < depth; ++level) inner = bundle(1) + element(inner);
  return inner;
}

std::vector<Malformed> malformed_cases() {
  const Bytes msg_a = str("/a");
  return {
      {"empty", {}, 0, "byte 0: empty packet"},
      {"over_limit", str("/a") + str(",b") + i32(65528) + Bytes(65528, 0), 65536,
       "byte 65536: packet of 65540 bytes is over the 65536-byte limit"},
      {"not_aligned", msg_a + raw(",\0"sv), 4, "byte 4: packet size 6 is not a multiple of 4"},
      {"starts_with_letter", str("abc"), 0,
       "byte 0: packet starts with 0x61, neither a message ('/') nor a bundle ('#bundle')"},
      {"starts_with_nul", raw("\0\0\0\0"sv), 0,
       "byte 0: packet starts with 0x00, neither a message ('/') nor a bundle ('#bundle')"},
      {"hash_not_bundle", raw("#bundlX\0"sv) + u64(1), 0,
       "byte 0: packet starts with '#' but not with \"#bundle\" and a NUL"},
      {"address_unterminated", raw("/abc"), 0, "byte 0: address is not NUL-terminated"},
      {"address_padding", raw("/a\0x"sv) + str(","), 3,
       "byte 3: address: non-zero padding byte 0x78"},
      {"address_space", str("/a b") + str(","), 2, "byte 2: address has a non-printable byte 0x20"},
      {"address_control", str("/a\x01") + str(","), 2,
       "byte 2: address has a non-printable byte 0x01"},
      {"no_type_tags", str("/abc"), 8,
       "byte 8: message has no type tag string (OSC 1.0 requires one, starting with ',')"},
      {"tags_without_comma", msg_a + str("i") + i32(1), 4,
       "byte 4: type tag string starts with 'i', not ','"},
      {"tags_unterminated", msg_a + raw(",iii"), 4,
       "byte 4: type tag string is not NUL-terminated"},
      {"tags_padding", msg_a + raw(",i\0\x01"sv) + i32(1), 7,
       "byte 7: type tag string: non-zero padding byte 0x01"},
      {"unknown_tag", msg_a + str(",iq") + i32(1), 6, "byte 6: unknown type tag 'q'"},
      {"unknown_tag_unprintable", msg_a + raw(",\x07\0\0"sv), 5, "byte 5: unknown type tag 0x07"},
      {"array_tag", msg_a + str(",[i]") + i32(1), 5, "byte 5: unknown type tag '['"},
      {"too_many_arguments", msg_a + str("," + std::string(65, 'N')), 5,
       "byte 5: 65 arguments, over the limit of 64"},
      {"int32_missing", msg_a + str(",i"), 8,
       "byte 8: argument 1 ('i') needs 4 bytes, only 0 left in the message"},
      {"int64_short", msg_a + str(",h") + i32(0), 8,
       "byte 8: argument 1 ('h') needs 8 bytes, only 4 left in the message"},
      {"float_missing", msg_a + str(",if") + i32(1), 12,
       "byte 12: argument 2 ('f') needs 4 bytes, only 0 left in the message"},
      {"double_short", msg_a + str(",d") + i32(0), 8,
       "byte 8: argument 1 ('d') needs 8 bytes, only 4 left in the message"},
      {"timetag_short", msg_a + str(",t") + i32(0), 8,
       "byte 8: argument 1 ('t') needs 8 bytes, only 4 left in the message"},
      {"char_missing", msg_a + str(",Tc"), 8,
       "byte 8: argument 2 ('c') needs 4 bytes, only 0 left in the message"},
      {"midi_missing", msg_a + str(",m"), 8,
       "byte 8: argument 1 ('m') needs 4 bytes, only 0 left in the message"},
      {"rgba_missing", msg_a + str(",Nr"), 8,
       "byte 8: argument 2 ('r') needs 4 bytes, only 0 left in the message"},
      {"string_missing", msg_a + str(",s"), 8,
       "byte 8: argument 1 ('s') needs 4 bytes, only 0 left in the message"},
      {"string_unterminated", msg_a + str(",s") + raw("abcd"), 8,
       "byte 8: argument 1 ('s') string is not NUL-terminated"},
      {"symbol_padding", msg_a + str(",S") + raw("ab\0z"sv), 11,
       "byte 11: argument 1 ('S') string: non-zero padding byte 0x7A"},
      {"blob_size_missing", msg_a + str(",b"), 8,
       "byte 8: argument 1 ('b') needs 4 bytes, only 0 left in the message"},
      {"blob_size_negative", msg_a + str(",b") + i32(-1), 8,
       "byte 8: argument 1 ('b') blob size -1 is negative"},
      {"blob_past_end", msg_a + str(",b") + i32(5) + raw("abcd"), 8,
       "byte 8: argument 1 ('b') blob size 5 runs past the end of the message (4 bytes left)"},
      {"blob_padding", msg_a + str(",b") + i32(1) + raw("a\0\0\x09"sv), 15,
       "byte 15: argument 1 ('b') blob: non-zero padding byte 0x09"},
      {"trailing_after_argument", msg_a + str(",i") + i32(1) + i32(2), 12,
       "byte 12: 4 trailing bytes after the last argument"},
      {"trailing_without_arguments", msg_a + str(",") + i32(0) + i32(0), 8,
       "byte 8: 8 trailing bytes after the last argument"},
      {"bundle_without_timetag", raw("#bundle\0"sv), 8,
       "byte 8: bundle ends before its 8-byte timetag"},
      {"bundle_element_size_zero", bundle(1) + i32(0), 16, "byte 16: bundle element has size 0"},
      {"bundle_element_size_negative", bundle(1) + i32(-8) + i32(0), 16,
       "byte 16: bundle element size -8 is negative"},
      {"bundle_element_size_unaligned", bundle(1) + i32(6) + i32(0) + i32(0), 16,
       "byte 16: bundle element size 6 is not a multiple of 4"},
      {"bundle_element_past_end", bundle(1) + i32(16) + msg_a + str(","), 16,
       "byte 16: bundle element size 16 runs past the end of the bundle (8 bytes left)"},
      {"bundle_element_not_packet", bundle(1) + element(str("xyz")), 20,
       "byte 20: bundle element starts with 0x78, neither a message ('/') nor a bundle "
       "('#bundle')"},
      {"bundle_element_hash", bundle(1) + element(str("#bun") + u64(1)), 20,
       "byte 20: bundle element starts with '#' but not with \"#bundle\" and a NUL"},
      {"bundle_too_deep", nested_bundles(kMaxBundleDepth + 1), 160,
       "byte 160: bundle nested 9 deep, over the limit of 8"},
      {"inner_timetag_earlier", bundle(10) + element(bundle(5) + element(msg_a + str(","))), 28,
       "byte 28: bundle timetag 0x0000000000000005 is earlier than its parent's "
       "0x000000000000000A"},
      {"inner_bundle_without_timetag", bundle(1) + element(raw("#bundle\0"sv)), 28,
       "byte 28: bundle ends before its 8-byte timetag"},
      {"message_in_bundle_short", bundle(1) + element(msg_a + str(",i")), 28,
       "byte 28: argument 1 ('i') needs 4 bytes, only 0 left in the message"},
      {"message_in_bundle_trailing", bundle(1) + element(msg_a + str(",") + i32(7)), 28,
       "byte 28: 4 trailing bytes after the last argument"},
      {"second_element_bad", bundle(1) + element(msg_a + str(",")) + element(str("/b")), 36,
       "byte 36: message has no type tag string (OSC 1.0 requires one, starting with ',')"},
  };
}

TEST(OscPacketMalformed, EachCaseIsRefusedWithItsTextAndOffset) {
  const auto cases = malformed_cases();
  ASSERT_GE(cases.size(), 35u);
  for (const Malformed& c : cases) {
    SCOPED_TRACE(c.name);
    const DecodeResult r = decode_packet(c.bytes);
    const auto* e = std::get_if<DecodeError>(&r);
    ASSERT_NE(e, nullptr) << "accepted";
    EXPECT_EQ(e->what, c.what);
    EXPECT_EQ(e->offset, c.offset);
    EXPECT_EQ(e->what.rfind("byte " + std::to_string(c.offset) + ": ", 0), 0u) << e->what;
  }
}

TEST(OscPacketMalformed, CasesAreDistinct) {
  const auto cases = malformed_cases();
  std::set<Bytes> bytes;
  std::set<std::string> texts;
  for (const Malformed& c : cases) {
    EXPECT_TRUE(bytes.insert(c.bytes).second) << c.name << ": same bytes as another case";
    EXPECT_TRUE(texts.insert(c.what).second) << c.name << ": same error text as another case";
  }
}

// ---- what is accepted ----

TEST(OscPacketDecode, LimitsThemselvesAreAccepted) {
  // Exactly kMaxPacketBytes: address (4) + ",b" (4) + size (4) + blob.
  const Bytes biggest = str("/a") + str(",b") + i32(65524) + Bytes(65524, 7);
  ASSERT_EQ(biggest.size(), kMaxPacketBytes);
  const auto big = decode_ok(biggest);
  ASSERT_EQ(big.size(), 1u);
  EXPECT_EQ(std::get<Blob>(big[0].message.arguments[0]).size(), 65524u);

  const auto many = decode_ok(str("/a") + str("," + std::string(kMaxArguments, 'N')));
  ASSERT_EQ(many.size(), 1u);
  EXPECT_EQ(many[0].message.arguments.size(), kMaxArguments);

  EXPECT_EQ(decode_ok(nested_bundles(kMaxBundleDepth)).size(), 1u);
}

TEST(OscPacketDecode, BareMessageIsImmediate) {
  const auto got = decode_ok(str("/clara/value") + str(",si") + str("tempo") + i32(120));
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].timetag, kImmediately);
  EXPECT_EQ(got[0].message,
            (Message{"/clara/value", "si", {std::string("tempo"), std::int32_t{120}}}));
}

TEST(OscPacketDecode, EmptyTypeTagsAndEmptyBlob) {
  const auto none = decode_ok(str("/ping") + str(","));
  ASSERT_EQ(none.size(), 1u);
  EXPECT_TRUE(none[0].message.arguments.empty());
  const auto blob = decode_ok(str("/b") + str(",b") + i32(0));
  ASSERT_EQ(blob.size(), 1u);
  EXPECT_TRUE(std::get<Blob>(blob[0].message.arguments[0]).empty());
}

TEST(OscPacketDecode, BigEndianValues) {
  const auto got = decode_ok(str("/v") + str(",ihfdtcmr") + i32(-2) + u64(0x0102030405060708) +
                             i32(0x3F800000) + u64(0xC000000000000000) + u64(0x8000000000000001) +
                             i32('x') + raw("\x00\x90\x3C\x64"sv) + raw("\xFF\x00\x00\x80"sv));
  ASSERT_EQ(got.size(), 1u);
  const auto& a = got[0].message.arguments;
  EXPECT_EQ(std::get<std::int32_t>(a[0]), -2);
  EXPECT_EQ(std::get<std::int64_t>(a[1]), 0x0102030405060708);
  EXPECT_EQ(std::get<float>(a[2]), 1.0f);
  EXPECT_EQ(std::get<double>(a[3]), -2.0);
  EXPECT_EQ(std::get<TimeTag>(a[4]).ntp, 0x8000000000000001u);
  EXPECT_EQ(std::get<std::int32_t>(a[5]), 'x');
  EXPECT_EQ(std::get<std::int32_t>(a[6]), 0x00903C64);
  EXPECT_EQ(static_cast<std::uint32_t>(std::get<std::int32_t>(a[7])), 0xFF000080u);
}

TEST(OscPacketDecode, NanAndInfinityDecodeAsSuch) {
  const auto got = decode_ok(str("/v") + str(",fdf") + i32(0x7FC00000) + u64(0x7FF0000000000000) +
                             i32(0xFF800000));
  ASSERT_EQ(got.size(), 1u);
  const auto& a = got[0].message.arguments;
  EXPECT_TRUE(std::isnan(std::get<float>(a[0])));
  EXPECT_EQ(std::get<double>(a[1]), std::numeric_limits<double>::infinity());
  EXPECT_EQ(std::get<float>(a[2]), -std::numeric_limits<float>::infinity());
}

// ---- round trips ----

Message every_type() {
  return Message{
      "/clara/all",
      "ihfdsSbTFNItcmr",
      {std::int32_t{-7}, std::int64_t{1} << 40, 0.25f, -1e300, std::string("hello world"),
       std::string("sym"), Blob{1, 2, 3, 4, 5}, true, false, Nil{}, Impulse{},
       TimeTag{0x0000000100000002}, std::int32_t{'A'}, std::int32_t{0x00903C64}, std::int32_t{-1}}};
}

TEST(OscPacketRoundTrip, EveryType) {
  const Message m = every_type();
  const auto got = decode_ok(encode_message(m));
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].message, m);
}

TEST(OscPacketRoundTrip, EncodedBytesAreTheWireFormat) {
  EXPECT_EQ(encode_message(make_message("/a", {std::int32_t{1}, std::string("xyz"), Blob{9}})),
            str("/a") + str(",isb") + i32(1) + str("xyz") + i32(1) + raw("\x09\0\0\0"sv));
  EXPECT_EQ(encode_message(Message{"/abc", "", {}}), str("/abc") + str(","));
  EXPECT_EQ(encode_bundle(5, {Message{"/a", "T", {true}}}),
            bundle(5) + element(str("/a") + str(",T")));
}

TEST(OscPacketRoundTrip, BundleFlattensInOrderWithInnerTimetags) {
  const Bytes inner = encode_bundle(
      300, {make_message("/b", {std::int32_t{2}}), make_message("/c", {std::int32_t{3}})});
  const Bytes deeper =
      encode_bundle_of(400, std::vector<Bytes>{encode_bundle(500, {make_message("/d", {})})});
  const Bytes outer = encode_bundle_of(
      200, std::vector<Bytes>{encode_message(make_message("/a", {std::int32_t{1}})), inner, deeper,
                              encode_message(make_message("/e", {}))});
  const auto got = decode_ok(outer);
  ASSERT_EQ(got.size(), 5u);
  const std::vector<std::pair<std::string, std::uint64_t>> want = {
      {"/a", 200}, {"/b", 300}, {"/c", 300}, {"/d", 500}, {"/e", 200}};
  for (std::size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(got[i].message.address, want[i].first) << i;
    EXPECT_EQ(got[i].timetag, want[i].second) << i;
  }
}

TEST(OscPacketRoundTrip, EmptyBundleAndEqualInnerTimetag) {
  EXPECT_TRUE(decode_ok(encode_bundle(kImmediately, {})).empty());
  const Bytes same =
      encode_bundle_of(9, std::vector<Bytes>{encode_bundle(9, {make_message("/x", {})})});
  const auto got = decode_ok(same);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].timetag, 9u);
}

TEST(OscPacketRoundTrip, BundleOfMessagesEveryType) {
  const std::vector<Message> ms = {every_type(), make_message("/z", {Nil{}})};
  const auto got = decode_ok(encode_bundle(0x1234, ms));
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].message, ms[0]);
  EXPECT_EQ(got[1].message, ms[1]);
  EXPECT_EQ(got[0].timetag, 0x1234u);
}

// ---- encoder validation ----

void expect_refused(const Message& m, const std::string& text) {
  try {
    encode_message(m);
    ADD_FAILURE() << "encoded " << to_text(m);
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find(text), std::string::npos) << e.what();
  }
}

TEST(OscPacketEncode, RefusesWhatTheDecoderWould) {
  expect_refused(Message{"clara", "", {}}, "OSC address must start with '/': \"clara\"");
  expect_refused(Message{"", "", {}}, "must start with '/'");
  expect_refused(Message{"/a b", "", {}}, "non-printable byte 0x20 at index 2");
  expect_refused(Message{std::string("/a\0b", 4), "", {}}, "non-printable byte 0x00 at index 2");
  expect_refused(Message{"/a", "ii", {std::int32_t{1}}},
                 "type tags \"ii\" name 2 arguments but it holds 1");
  expect_refused(Message{"/a", "i", {1.0f}}, "argument 1: tag 'i' needs an int32 but holds float");
  expect_refused(Message{"/a", "Nc", {Nil{}, std::string("x")}},
                 "argument 2: tag 'c' needs an int32 but holds string");
  expect_refused(Message{"/a", "h", {std::int32_t{1}}}, "tag 'h' needs an int64 but holds int32");
  expect_refused(Message{"/a", "f", {1.0}}, "tag 'f' needs a float but holds double");
  expect_refused(Message{"/a", "d", {1.0f}}, "tag 'd' needs a double but holds float");
  expect_refused(Message{"/a", "s", {Blob{}}}, "tag 's' needs a string but holds blob");
  expect_refused(Message{"/a", "b", {std::string()}}, "tag 'b' needs a blob but holds string");
  expect_refused(Message{"/a", "T", {false}}, "tag 'T' needs true but holds bool");
  expect_refused(Message{"/a", "F", {true}}, "tag 'F' needs false but holds bool");
  expect_refused(Message{"/a", "N", {Impulse{}}}, "tag 'N' needs nil but holds impulse");
  expect_refused(Message{"/a", "I", {Nil{}}}, "tag 'I' needs an impulse but holds nil");
  expect_refused(Message{"/a", "t", {std::int64_t{1}}}, "tag 't' needs a timetag but holds int64");
  expect_refused(Message{"/a", "q", {Nil{}}}, "argument 1: unknown type tag 'q'");
  expect_refused(Message{"/a", "S", {std::string("a\0b", 3)}},
                 "argument 1: string holds a NUL byte");
  expect_refused(Message{"/a", std::string(65, 'N'), std::vector<Value>(65, Nil{})},
                 "65 arguments, over the limit of 64");
  expect_refused(Message{"/a", "b", {Blob(65525, 0)}},
                 "encodes to 65540 bytes, over the 65536-byte limit");
}

TEST(OscPacketEncode, BundleLimitsAndNestedChecks) {
  EXPECT_THROW(encode_bundle(1, {Message{"bad", "", {}}}), std::invalid_argument);
  EXPECT_THROW(encode_bundle(1, std::vector<Message>(2, Message{"/a", "b", {Blob(40000, 0)}})),
               std::invalid_argument);
  try {
    encode_bundle_of(10, std::vector<Bytes>{encode_bundle(5, {})});
    ADD_FAILURE() << "an earlier inner timetag was encoded";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("is earlier than its parent's"), std::string::npos)
        << e.what();
  }
  EXPECT_THROW(encode_bundle_of(1, std::vector<Bytes>{str("/a")}), std::invalid_argument);
  EXPECT_THROW(encode_bundle_of(1, std::vector<Bytes>{nested_bundles(kMaxBundleDepth)}),
               std::invalid_argument);
  EXPECT_NO_THROW(encode_bundle_of(1, std::vector<Bytes>{nested_bundles(kMaxBundleDepth - 1)}));
}

TEST(OscPacketEncode, MakeMessageInfersTags) {
  const Message m =
      make_message("/x", {std::int32_t{1}, std::int64_t{2}, 3.0f, 4.0, std::string("s"), Blob{},
                          true, false, Nil{}, Impulse{}, TimeTag{1}});
  EXPECT_EQ(m.types, "ihfdsbTFNIt");
  EXPECT_EQ(m.address, "/x");
  EXPECT_EQ(m.arguments.size(), 11u);
  EXPECT_NO_THROW(encode_message(m));
}

TEST(OscPacketText, Readable) {
  EXPECT_EQ(to_text(make_message("/clara/value", {std::string("tempo"), std::int32_t{120}})),
            "/clara/value tempo 120");
  EXPECT_EQ(to_text(make_message("/f", {120.0f, 0.1234567f, 1e-7, 3.0})),
            "/f 120 0.123457 1e-07 3");
  EXPECT_EQ(to_text(make_message("/s", {std::string("two words"), std::string(""),
                                        std::string("a\tb"), std::string("say \"hi\" now")})),
            "/s \"two words\" \"\" \"a\tb\" \"say \\\"hi\\\" now\"");
  EXPECT_EQ(to_text(make_message("/b", {Blob{1, 2, 3}, true, false, Nil{}, Impulse{}})),
            "/b <blob 3 bytes> true false nil impulse");
  EXPECT_EQ(
      to_text(make_message("/t", {TimeTag{kImmediately}, TimeTag{0x100000000}, std::int64_t{-5}})),
      "/t <timetag immediately> <timetag 0x0000000100000000> -5");
  EXPECT_EQ(to_text(Message{
                "/c", "cmr", {std::int32_t{'a'}, std::int32_t{0x00903C64}, std::int32_t{-1}}}),
            "/c 'a' <midi 00 90 3C 64> #FFFFFFFF");
  EXPECT_EQ(to_text(Message{"/empty", "", {}}), "/empty");
  EXPECT_EQ(to_text(make_message("/n", {std::numeric_limits<float>::quiet_NaN()})), "/n nan");
}

// ---- liblo as the second opinion ----

struct LoMessage {
  lo_message m = lo_message_new();
  ~LoMessage() { lo_message_free(m); }
};

Bytes lo_serialise(lo_message m, const char* path) {
  std::size_t size = 0;
  void* data = lo_message_serialise(m, path, nullptr, &size);
  Bytes out(static_cast<std::uint8_t*>(data), static_cast<std::uint8_t*>(data) + size);
  std::free(data);
  return out;
}

TEST(OscPacketLiblo, LibloMessagesDecodeWithOurs) {
  LoMessage lo;
  lo_message_add_int32(lo.m, -42);
  lo_message_add_int64(lo.m, -(std::int64_t{1} << 50));
  lo_message_add_float(lo.m, 1.5f);
  lo_message_add_double(lo.m, 2.25);
  lo_message_add_string(lo.m, "hello");
  lo_message_add_symbol(lo.m, "sym");
  const std::uint8_t blob_data[5] = {1, 2, 3, 4, 5};
  lo_blob blob = lo_blob_new(5, blob_data);
  lo_message_add_blob(lo.m, blob);
  lo_message_add_true(lo.m);
  lo_message_add_false(lo.m);
  lo_message_add_nil(lo.m);
  lo_message_add_infinitum(lo.m);
  lo_message_add_timetag(lo.m, lo_timetag{7, 8});
  lo_message_add_char(lo.m, 'z');
  std::uint8_t midi[4] = {0x00, 0x90, 0x3C, 0x64};
  lo_message_add_midi(lo.m, midi);
  const Bytes wire = lo_serialise(lo.m, "/clara/lo");
  lo_blob_free(blob);

  const auto got = decode_ok(wire);
  ASSERT_EQ(got.size(), 1u);
  const Message want{
      "/clara/lo",
      "ihfdsSbTFNItcm",
      {std::int32_t{-42}, -(std::int64_t{1} << 50), 1.5f, 2.25, std::string("hello"),
       std::string("sym"), Blob{1, 2, 3, 4, 5}, true, false, Nil{}, Impulse{},
       TimeTag{(std::uint64_t{7} << 32) | 8}, std::int32_t{'z'}, std::int32_t{0x00903C64}}};
  EXPECT_EQ(got[0].message, want);
  EXPECT_EQ(encode_message(want), wire) << "the same message encodes to liblo's bytes";
}

TEST(OscPacketLiblo, OurMessagesDeserialiseWithLiblo) {
  const Message ours{
      "/clara/ours",
      "ihfdsSbTFNItcm",
      {std::int32_t{123456}, std::int64_t{-9}, -0.5f, 1e100, std::string("two words"),
       std::string("S"), Blob{9, 8, 7}, true, false, Nil{}, Impulse{},
       TimeTag{(std::uint64_t{3} << 32) | 4}, std::int32_t{'q'}, std::int32_t{0x01020304}}};
  Bytes wire = encode_message(ours);
  int result = 0;
  lo_message lo = lo_message_deserialise(wire.data(), wire.size(), &result);
  ASSERT_NE(lo, nullptr) << "liblo error " << result;
  EXPECT_STREQ(lo_message_get_types(lo), "ihfdsSbTFNItcm");
  ASSERT_EQ(lo_message_get_argc(lo), 14);
  lo_arg** argv = lo_message_get_argv(lo);
  EXPECT_EQ(argv[0]->i, 123456);
  EXPECT_EQ(argv[1]->h, -9);
  EXPECT_EQ(argv[2]->f, -0.5f);
  EXPECT_EQ(argv[3]->d, 1e100);
  EXPECT_STREQ(&argv[4]->s, "two words");
  EXPECT_STREQ(&argv[5]->S, "S");
  EXPECT_EQ(lo_blob_datasize(reinterpret_cast<lo_blob>(argv[6])), 3u);
  EXPECT_EQ(std::memcmp(lo_blob_dataptr(reinterpret_cast<lo_blob>(argv[6])), "\x09\x08\x07", 3), 0);
  EXPECT_EQ(argv[11]->t.sec, 3u);
  EXPECT_EQ(argv[11]->t.frac, 4u);
  EXPECT_EQ(argv[12]->c, 'q');
  EXPECT_EQ(argv[13]->m[0], 1);
  EXPECT_EQ(argv[13]->m[3], 4);
  lo_message_free(lo);
}

TEST(OscPacketLiblo, LibloBundleDecodesWithOurs) {
  lo_bundle outer = lo_bundle_new(lo_timetag{100, 0});
  lo_bundle inner = lo_bundle_new(lo_timetag{200, 5});
  lo_message a = lo_message_new();
  lo_message_add_int32(a, 1);
  lo_message b = lo_message_new();
  lo_message_add_string(b, "two");
  lo_message c = lo_message_new();
  lo_message_add_float(c, 3.0f);
  lo_bundle_add_message(outer, "/a", a);
  lo_bundle_add_message(inner, "/b", b);
  lo_bundle_add_message(inner, "/c", c);
  lo_bundle_add_bundle(outer, inner);
  std::size_t size = 0;
  void* data = lo_bundle_serialise(outer, nullptr, &size);
  const Bytes wire(static_cast<std::uint8_t*>(data), static_cast<std::uint8_t*>(data) + size);
  std::free(data);
  lo_bundle_free_recursive(outer);

  const auto got = decode_ok(wire);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0].message, make_message("/a", {std::int32_t{1}}));
  EXPECT_EQ(got[0].timetag, std::uint64_t{100} << 32);
  EXPECT_EQ(got[1].message, make_message("/b", {std::string("two")}));
  EXPECT_EQ(got[1].timetag, (std::uint64_t{200} << 32) | 5);
  EXPECT_EQ(got[2].message, make_message("/c", {3.0f}));
  EXPECT_EQ(got[2].timetag, (std::uint64_t{200} << 32) | 5);
}

}  // namespace
}  // namespace clara::osc
