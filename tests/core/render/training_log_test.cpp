#include "core/render/training_log.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace clara {
namespace {

// As core/model/training/trainer.cpp writes it: validation only on some rows.
constexpr const char* kLog =
    "epoch,iter,tokens_seen,train_loss,val_loss,val_acc,lr,seconds\n"
    "0.5,10,12800,3.100000,,,0.001,1.5\r\n"
    "\n"
    "1,20,25600,2.700000,2.800000,0.310000,1e-05,3.25\n";

TEST(TrainingLog, ReadsTheTrainersFormat) {
  const TrainingLog log = parse_training_log(kLog, "train_log.csv");
  ASSERT_EQ(log.columns.size(), 8u);
  ASSERT_EQ(log.rows.size(), 2u);
  EXPECT_EQ(*log.column("val_loss"), 4u);
  EXPECT_FALSE(log.column("nope"));
  EXPECT_TRUE(std::isnan(log.rows[0][4]));
  EXPECT_DOUBLE_EQ(log.rows[1][4], 2.8);
  EXPECT_DOUBLE_EQ(log.rows[1][6], 1e-5);
  EXPECT_DOUBLE_EQ(log.rows[0][7], 1.5);  // the \r is not part of the number
}

void expect_error(const std::string& text, const std::string& part) {
  try {
    parse_training_log(text, "log.csv");
    ADD_FAILURE() << "no error for: " << text;
  } catch (const TrainingLogError& e) {
    EXPECT_NE(std::string(e.what()).find(part), std::string::npos) << e.what();
  }
}

TEST(TrainingLog, ErrorsNameTheLineAndColumn) {
  expect_error("", "log.csv: empty");
  expect_error("a,b\n1,2\n3\n", "log.csv:3: 1 cells, the header has 2");
  expect_error("a,b\n1,x\n", "log.csv:2: column b: 'x' is not a number");
  expect_error("a,b\n1,2 \n", "column b: '2 ' is not a number");
  expect_error("a,b\n1,nan\n", "column b: 'nan'");
  expect_error("1,2\n", "log.csv:1: no header");
  expect_error("a,a\n", "column 'a' appears twice");
  expect_error("a,,b\n", "empty column name");
  expect_error(std::string("MThd\0\0\0\x06", 8), "log.csv: byte 4 is NUL: not a CSV text file");
  expect_error("a,b\xff\n", "log.csv:1: byte 255 in a column name");
}

}  // namespace
}  // namespace clara
