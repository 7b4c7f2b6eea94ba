#include "core/model/inference/device.hpp"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cstdint>
#include <string>

#include "core/model/inference/inference_session.hpp"
#include "core/model/inference/lstm_token_model.hpp"
#include "core/model/inference/torch_token_model.hpp"
#include "core/model/network/awd_lstm.hpp"
#include "tests/core/model/inference/random_model.hpp"

namespace clara::model {
namespace {

std::shared_ptr<AwdLstm> small_model() { return test::random_model(41, 16, 24, 2, 5); }

// A clock that advances `tick_ns` at every reading: each timed step then lasts exactly one tick.
MonotonicNanos ticking(std::int64_t tick_ns) {
  return [t = std::int64_t{0}, tick_ns]() mutable { return t += tick_ns; };
}

TEST(Device, NamesRoundTrip) {
  for (Device d : {Device::cpu, Device::cuda, Device::automatic})
    EXPECT_EQ(parse_device(device_name(d)), d);
  EXPECT_FALSE(parse_device("gpu").has_value());
  EXPECT_FALSE(parse_device("CUDA").has_value());
  EXPECT_FALSE(parse_device("").has_value());
}

TEST(Device, StepP50IsTheMedianOfTheTimedSteps) {
  auto m = small_model();
  LstmTokenModel lm(*m);
  EXPECT_DOUBLE_EQ(step_p50_us(lm, ticking(7'000), 3, 11), 7.0);
  EXPECT_THROW(step_p50_us(lm, {}), std::invalid_argument);
}

TEST(Device, CpuRunsClarasKernelsAtThePrecisionAsked) {
  auto m = small_model();
  StepModel s = make_step_model(*m, Device::cpu, Precision::int8);
  EXPECT_EQ(s.device.chosen, Device::cpu);
  EXPECT_EQ(s.precision.chosen, Precision::int8);
  ASSERT_NE(dynamic_cast<LstmTokenModel*>(s.lm.get()), nullptr);
  EXPECT_EQ(s.device.cpu_p50_us, 0.0);  // nothing measured
  InferenceSession session(*m, 1, Precision::int8);
  LstmState state = session.zero_state();
  for (int t : {3, 9, 27, 40}) {
    auto a = s.lm->feed(t);
    auto b = session.step(t, state);
    ASSERT_TRUE(std::equal(a.begin(), a.end(), b.begin(), b.end()));
  }
}

// Here (a CPU-only LibTorch) cuda is refused with the reason; on a machine with CUDA the
// step runs there at fp32.
TEST(Device, CudaIsRefusedWithTheReasonWhereThereIsNone) {
  auto m = small_model();
  if (const auto why = cuda_unavailable()) {
    try {
      make_step_model(*m, Device::cuda, Precision::automatic);
      ADD_FAILURE() << "no DeviceUnavailable";
    } catch (const DeviceUnavailable& e) {
      EXPECT_EQ(std::string(e.what()), "no CUDA device (" + *why + ")");
    }
  } else {
    StepModel s = make_step_model(*m, Device::cuda, Precision::int8);
    EXPECT_EQ(s.device.chosen, Device::cuda);
    EXPECT_EQ(s.precision.chosen, Precision::fp32);
    auto* t = dynamic_cast<TorchTokenModel*>(s.lm.get());
    ASSERT_NE(t, nullptr);
    EXPECT_TRUE(t->device().is_cuda());
  }
}

TEST(Device, AutoMeasuresTheCpuStepAndSaysWhy) {
  auto m = small_model();
  EXPECT_THROW(make_step_model(*m, Device::automatic, Precision::fp32), std::invalid_argument);
  // fp32 asked: the precision choice measured nothing, so the CPU step is timed here.
  StepModel s = make_step_model(*m, Device::automatic, Precision::fp32, ticking(9'000));
  EXPECT_EQ(s.device.requested, Device::automatic);
  EXPECT_DOUBLE_EQ(s.device.cpu_p50_us, 9.0);
  EXPECT_NE(s.device.reason.find("p50 9.0 us"), std::string::npos) << s.device.reason;
  EXPECT_NE(s.device.reason.find("timed here"), std::string::npos) << s.device.reason;
  if (const auto why = cuda_unavailable()) {
    EXPECT_EQ(s.device.chosen, Device::cpu);
    EXPECT_EQ(s.device.cuda_p50_us, 0.0);
    EXPECT_EQ(s.device.cuda_unavailable, *why);
    EXPECT_EQ(s.device.reason.rfind("cpu: ", 0), 0u) << s.device.reason;
    EXPECT_NE(s.device.reason.find("cuda not available: " + *why), std::string::npos)
        << s.device.reason;
    EXPECT_NE(dynamic_cast<LstmTokenModel*>(s.lm.get()), nullptr);
  } else {
    // A ticking clock makes both steps equally fast: cuda is not kAutoMargin faster.
    EXPECT_DOUBLE_EQ(s.device.cuda_p50_us, 9.0);
    EXPECT_EQ(s.device.chosen, Device::cpu);
  }
  std::printf("auto: %s\n", s.device.reason.c_str());
}

TEST(Device, AutoReusesThePrecisionChoicesFigure) {
  auto m = small_model();
  StepModel s = make_step_model(*m, Device::automatic, Precision::automatic, ticking(4'000));
  ASSERT_GT(s.precision.fp32_p50_us, 0.0);
  const double chosen_p50 =
      s.precision.chosen == Precision::int8 ? s.precision.int8_p50_us : s.precision.fp32_p50_us;
  EXPECT_DOUBLE_EQ(s.device.cpu_p50_us, chosen_p50);
  EXPECT_NE(s.device.reason.find("timed by the precision choice"), std::string::npos)
      << s.device.reason;
}

}  // namespace
}  // namespace clara::model
