#include "core/render/audio_render.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

namespace clara {
namespace {

// Debian's fluid-soundfont-gm. Without it these tests skip, except under CI=true,
// where the test environment must provide it (as the JACK tests treat jackd).
const std::filesystem::path kFont = "/usr/share/sounds/sf2/FluidR3_GM.sf2";

bool have_font() {
  if (std::filesystem::exists(kFont)) return true;
  const char* ci = std::getenv("CI");
  if (ci && std::string(ci) == "true") ADD_FAILURE() << kFont << " is missing (CI=true: install fluid-soundfont-gm)";
  return false;
}

struct Audio {
  std::vector<float> samples;  // interleaved stereo
  std::size_t frames() const { return samples.size() / 2; }
  // RMS over frames [from, to), both channels.
  double rms(std::size_t from, std::size_t to) const {
    double sum = 0;
    for (std::size_t i = 2 * from; i < 2 * std::min(to, frames()); ++i) sum += double(samples[i]) * samples[i];
    return std::sqrt(sum / std::max<double>(1, 2.0 * (std::min(to, frames()) - from)));
  }
};

Audio render(AudioRenderer& r, const Score& s) {
  Audio a;
  const auto n = r.render(s, [&](const float* x, std::size_t frames) { a.samples.insert(a.samples.end(), x, x + 2 * frames); });
  EXPECT_EQ(static_cast<std::size_t>(n), a.frames());
  return a;
}

// Four quarter notes at 60 bpm then a 3/4-note chord: ends at 5 s (tempo 60 from 0,
// 120 would make it 2.5 s).
Score phrase(int program) {
  Score s;
  s.tempo_map = {{0, 60}};
  s.parts.push_back({"", program, 0, 1, {{60, 0, 1, 90}, {62, 1, 2, 90}, {64, 2, 3, 90}, {65, 3, 4, 90},
                                           {60, 4, 5, 100}, {64, 4, 5, 100}, {67, 4, 5, 100}}});
  return s;
}

class AudioRenderTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (std::filesystem::exists(kFont)) renderer = new AudioRenderer(kFont, AudioRenderOptions{22050, 1.5, 0.3});
  }
  static void TearDownTestSuite() {
    delete renderer;
    renderer = nullptr;
  }
  void SetUp() override {
    if (!have_font()) GTEST_SKIP() << kFont << " not installed";
  }
  static AudioRenderer* renderer;
};
AudioRenderer* AudioRenderTest::renderer = nullptr;

TEST(AudioRenderLength, IsTheLastNoteEndThroughTheTempoMapPlusTheTail) {
  Score s = phrase(0);
  AudioRenderOptions o{44100, 2.0, 0.3};
  EXPECT_EQ(render_frames(s, o), 7 * 44100);
  s.tempo_map = {{0, 60}, {2, 120}};  // 2 s, then 3 quarters at 0.5 s
  EXPECT_DOUBLE_EQ(score_seconds_at(s, 5), 3.5);
  EXPECT_EQ(render_frames(s, o), std::llround(5.5 * 44100));
  s.tempo_map.clear();  // 120 bpm
  EXPECT_DOUBLE_EQ(score_seconds_at(s, 5), 2.5);
  EXPECT_EQ(render_frames(Score{}, o), 2 * 44100);
}

TEST_F(AudioRenderTest, RightLengthNotSilentAndEveryNoteEnds) {
  const Audio a = render(*renderer, phrase(0));
  EXPECT_EQ(a.frames(), std::size_t{22050} * 13 / 2);  // 5 s + 1.5 s
  const double playing = a.rms(0, 5 * 22050);
  EXPECT_GT(playing, 0.01) << "silent";
  // Every note-off went out: the last 100 ms of the tail are far quieter than the music.
  EXPECT_LT(a.rms(a.frames() - 2205, a.frames()), playing / 20);
  for (float x : a.samples) ASSERT_TRUE(std::isfinite(x));
}

TEST_F(AudioRenderTest, AnotherProgramSoundsDifferentAndTheSameRenderRepeats) {
  const Audio piano = render(*renderer, phrase(0)), violin = render(*renderer, phrase(40)),
              again = render(*renderer, phrase(0));
  ASSERT_EQ(piano.frames(), violin.frames());
  EXPECT_EQ(piano.samples, again.samples);  // nothing carried over from the violin render
  double diff = 0;
  for (std::size_t i = 0; i < piano.samples.size(); ++i) diff += std::pow(piano.samples[i] - violin.samples[i], 2);
  diff = std::sqrt(diff / static_cast<double>(piano.samples.size()));
  EXPECT_GT(diff, piano.rms(0, piano.frames()) / 4);
}

TEST_F(AudioRenderTest, PartsSharingAChannelKeepTheirOwnPrograms) {
  // Violin and piano parts both on channel 0: rendered together they must equal the
  // sum of each alone (same program per part), not two pianos.
  Score both = phrase(0);
  Score violin = phrase(40);
  for (auto& n : violin.parts[0].notes) n.pitch += 12;
  both.parts.push_back(violin.parts[0]);
  Score piano_only = phrase(0), violin_only = violin;
  const Audio a = render(*renderer, both), p = render(*renderer, piano_only), v = render(*renderer, violin_only);
  double err = 0, ref = 0;
  for (std::size_t i = 0; i < a.samples.size(); ++i) {
    err += std::pow(a.samples[i] - p.samples[i] - v.samples[i], 2);
    ref += std::pow(a.samples[i], 2);
  }
  EXPECT_LT(err, ref * 0.05);  // reverb and chorus are shared, close to linear
}

TEST_F(AudioRenderTest, AnEmptyScoreIsTheTailInSilence) {
  const Audio a = render(*renderer, Score{});
  EXPECT_EQ(a.frames(), std::size_t{22050} * 3 / 2);
  // FluidSynth's reverb keeps a tiny offset against denormals: silent means below -120 dB.
  EXPECT_LT(a.rms(0, a.frames()), 1e-6);
}

TEST(AudioRenderer, AFileThatIsNotASoundfontIsAnErrorNamingIt) {
  const std::string path = std::string(CLARA_TEST_DATA) + "/mini_corpus/Bach/BWV-510.mid";
  try {
    AudioRenderer r(path);
    ADD_FAILURE() << "loaded a MIDI file as a SoundFont";
  } catch (const SoundfontError& e) {
    EXPECT_NE(std::string(e.what()).find("BWV-510.mid"), std::string::npos) << e.what();
  }
  EXPECT_THROW(AudioRenderer(path, AudioRenderOptions{4000, 1, 0.3}), std::invalid_argument);
}

}  // namespace
}  // namespace clara
