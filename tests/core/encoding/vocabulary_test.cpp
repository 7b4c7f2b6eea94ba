#include "core/encoding/vocabulary.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace clara {
namespace {

std::filesystem::path temp_file(const std::string& name) {
  return std::filesystem::temp_directory_path() / ("clara_vocab_" + name + "_" + std::to_string(::getpid()));
}

TEST(Vocabulary, SpecialsComeFirst) {
  Vocabulary v({"p0", "wait1"});
  EXPECT_EQ(v.size(), 5u);
  EXPECT_EQ(v.token(Vocabulary::kUnk), "<unk>");
  EXPECT_EQ(v.token(Vocabulary::kPad), "<pad>");
  EXPECT_EQ(v.token(Vocabulary::kEos), "<eos>");
  EXPECT_EQ(v.id("p0"), 3);
  EXPECT_EQ(v.id("wait1"), 4);
  EXPECT_EQ(v.id("never-seen"), Vocabulary::kUnk);
  EXPECT_FALSE(v.contains("never-seen"));
  EXPECT_THROW(v.token(5), std::out_of_range);
  EXPECT_THROW(v.token(-1), std::out_of_range);
}

TEST(Vocabulary, RejectsDuplicatesAndWhitespace) {
  EXPECT_THROW(Vocabulary({"p0", "p0"}), std::invalid_argument);
  EXPECT_THROW(Vocabulary({"p 0"}), std::invalid_argument);
  EXPECT_THROW(Vocabulary({""}), std::invalid_argument);
  EXPECT_THROW(Vocabulary({"<eos>"}), std::invalid_argument);
}

TEST(Vocabulary, SaveLoadRoundTrip) {
  Vocabulary v({"p0", "endp0", "wait1"});
  auto path = temp_file("rt");
  v.save(path);
  EXPECT_EQ(Vocabulary::load(path), v);
  std::filesystem::remove(path);
}

TEST(Vocabulary, LoadErrorsNameFileAndLine) {
  auto path = temp_file("bad");
  {
    std::ofstream(path) << "<unk>\n<pad>\n<eos>\np0\np0\n";
  }
  try {
    Vocabulary::load(path);
    FAIL() << "duplicate accepted";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(path.string() + ":5"), std::string::npos) << e.what();
  }
  {
    std::ofstream(path) << "p0\n";
  }
  EXPECT_THROW(Vocabulary::load(path), std::runtime_error);
  std::filesystem::remove(path);
  EXPECT_THROW(Vocabulary::load(path), std::runtime_error);
}

}  // namespace
}  // namespace clara
