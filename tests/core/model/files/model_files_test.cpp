#include "core/model/files/model_files.hpp"
#include "core/model/files/model_weights.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <random>
#include <sstream>

#include "core/model/inference/inference_session.hpp"
#include "core/hash/sha256.hpp"

namespace clara::model {
namespace {
namespace fs = std::filesystem;

class ModelFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("clara_model_files_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    std::vector<std::string> toks;
    for (int i = 0; i < 9; ++i) toks.push_back("t" + std::to_string(i));
    vocab_ = Vocabulary(toks);
    card_.name = "unit";
    card_.encoding = "notewise";
    card_.sample_freq = 12;
    card_.note_low = 33;
    card_.note_high = 94;
    card_.instruments = {"piano"};
    card_.architecture = AwdLstmConfig::preset("tiny", static_cast<std::int64_t>(vocab_.size()));
    card_.valid_loss = 1.5;
    torch::manual_seed(3);
    model_ = std::make_shared<AwdLstm>(card_.architecture);
    save_model_folder(dir_, *model_, card_, vocab_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string read(const std::string& name) {
    std::ifstream in(dir_ / name, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
  void write(const std::string& name, const std::string& bytes) {
    std::ofstream out(dir_ / name, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  }
  // Replace a file and re-list its checksum, so only the deeper checks can catch it.
  void replace_and_resum(const std::string& name, const std::string& bytes) {
    write(name, bytes);
    write_sha256sums(dir_);
  }
  void replace_weights(const AwdLstm& m) {
    auto w = serialize_weights(m);
    replace_and_resum("weights.pt", std::string(w.begin(), w.end()));
  }
  std::string load_error() {
    try {
      load_model_folder(dir_);
    } catch (const ModelFileError& e) {
      return e.what();
    }
    return "";
  }

  fs::path dir_;
  Vocabulary vocab_;
  ModelCard card_;
  std::shared_ptr<AwdLstm> model_;
};

TEST_F(ModelFilesTest, RoundTripGivesTheSameModelCardAndVocabulary) {
  auto loaded = load_model_folder(dir_);
  EXPECT_EQ(loaded.vocab, vocab_);
  EXPECT_EQ(loaded.card.name, "unit");
  EXPECT_EQ(loaded.card.instruments, std::vector<std::string>{"piano"});
  EXPECT_EQ(loaded.card.architecture.hidden, card_.architecture.hidden);
  EXPECT_DOUBLE_EQ(loaded.card.valid_loss, 1.5);
  for (const auto& p : model_->named_parameters())
    EXPECT_TRUE(torch::equal(p.value(), loaded.model->named_parameters()[p.key()])) << p.key();
  // SHA256SUMS is in sha256sum's format.
  EXPECT_NE(read("SHA256SUMS").find(sha256_file(dir_ / "weights.pt") + "  weights.pt\n"), std::string::npos);
}

TEST_F(ModelFilesTest, ChecksumMismatchIsCaughtBeforeParsing) {
  auto w = read("weights.pt");
  w[w.size() / 2] ^= 0x01;
  write("weights.pt", w);
  auto err = load_error();
  EXPECT_NE(err.find("weights.pt"), std::string::npos) << err;
  EXPECT_NE(err.find("sha256 mismatch"), std::string::npos) << err;
}

TEST_F(ModelFilesTest, TruncatedWeightsWithValidChecksumThrow) {
  auto w = read("weights.pt");
  replace_and_resum("weights.pt", w.substr(0, w.size() / 2));
  auto err = load_error();
  EXPECT_NE(err.find("weights.pt"), std::string::npos) << err;
}

TEST_F(ModelFilesTest, GarbageHeaderWithValidChecksumThrows) {
  auto w = read("weights.pt");
  for (int i = 0; i < 8; ++i) w[i] ^= 0x5a;
  replace_and_resum("weights.pt", w);
  EXPECT_NE(load_error().find("weights.pt"), std::string::npos);
}

TEST_F(ModelFilesTest, BitFlipsAnywhereNeverCrash) {
  const auto original = read("weights.pt");
  std::mt19937 rng(42);
  std::uniform_int_distribution<std::size_t> pos(0, original.size() - 1);
  int thrown = 0;
  for (int trial = 0; trial < 60; ++trial) {
    auto w = original;
    w[pos(rng)] ^= static_cast<char>(1u << (trial % 8));
    replace_and_resum("weights.pt", w);
    // Either a clear error, or (a flip inside tensor data) a loadable finite model.
    try {
      auto m = load_model_folder(dir_);
      ASSERT_TRUE(m.model);
    } catch (const ModelFileError&) {
      ++thrown;
    }
  }
  EXPECT_GT(thrown, 0);
}

TEST_F(ModelFilesTest, WrongShapeIsNamed) {
  auto other_cfg = card_.architecture;
  other_cfg.hidden += 1;
  AwdLstm other(other_cfg);
  replace_weights(other);
  auto err = load_error();
  EXPECT_NE(err.find("weight_ih_l0"), std::string::npos) << err;
  EXPECT_NE(err.find("shape"), std::string::npos) << err;
}

TEST_F(ModelFilesTest, NonFiniteWeightIsNamed) {
  {
    torch::NoGradGuard ng;
    model_->weight_hh[1][3][2] = std::numeric_limits<float>::quiet_NaN();
  }
  replace_weights(*model_);
  auto err = load_error();
  EXPECT_NE(err.find("weight_hh_l1"), std::string::npos) << err;
  EXPECT_NE(err.find("non-finite"), std::string::npos) << err;
}

TEST_F(ModelFilesTest, MissingListedFile) {
  fs::remove(dir_ / "vocab.txt");
  auto err = load_error();
  EXPECT_NE(err.find("vocab.txt"), std::string::npos) << err;
  EXPECT_NE(err.find("missing"), std::string::npos) << err;
}

TEST_F(ModelFilesTest, MissingSumsFile) {
  fs::remove(dir_ / "SHA256SUMS");
  EXPECT_NE(load_error().find("SHA256SUMS"), std::string::npos);
}

TEST_F(ModelFilesTest, ExtraUnlistedFile) {
  write("evil.py", "print('hi')\n");
  auto err = load_error();
  EXPECT_NE(err.find("evil.py"), std::string::npos) << err;
  EXPECT_NE(err.find("not listed"), std::string::npos) << err;
}

TEST_F(ModelFilesTest, PathsInSumsFileAreRejected) {
  write("SHA256SUMS", std::string(64, 'a') + "  ../etc/passwd\n");
  auto err = load_error();
  EXPECT_NE(err.find("SHA256SUMS:1"), std::string::npos) << err;
}

TEST_F(ModelFilesTest, VocabularySizeMustMatchCard) {
  std::vector<std::string> toks;
  for (int i = 0; i < 10; ++i) toks.push_back("u" + std::to_string(i));
  Vocabulary(toks).save(dir_ / "vocab.txt");
  write_sha256sums(dir_);
  auto err = load_error();
  EXPECT_NE(err.find("vocab_size"), std::string::npos) << err;
}

TEST_F(ModelFilesTest, BadCardKeyIsNamed) {
  auto card = read("model.toml");
  auto at = card.find("hidden = ");
  ASSERT_NE(at, std::string::npos);
  card.replace(at, 9, "hidden = \"x\" #");
  replace_and_resum("model.toml", card);
  auto err = load_error();
  EXPECT_NE(err.find("model.toml"), std::string::npos) << err;
  EXPECT_NE(err.find("architecture.hidden"), std::string::npos) << err;
}

TEST_F(ModelFilesTest, LoadedModelDrivesAnInferenceSession) {
  auto loaded = load_model_folder(dir_);
  InferenceSession a(*model_), b(*loaded.model);
  auto sa = a.zero_state(), sb = b.zero_state();
  for (int t : {3, 4, 5}) {
    auto la = a.step(t, sa);
    std::vector<float> va(la.begin(), la.end());
    auto lb = b.step(t, sb);
    EXPECT_EQ(va, std::vector<float>(lb.begin(), lb.end()));
  }
}

}  // namespace
}  // namespace clara::model
