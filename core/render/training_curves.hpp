#pragma once
// Training curves drawn with cairo from a training log: losses in one panel,
// accuracies in the next, the learning rate in a third, each against tokens seen
// (else iterations, else epochs, else the row number). `clara plot --train-log`
// and the loss.svg `clara train` writes beside a model.
#include <string>

#include "core/render/image.hpp"
#include "core/render/training_log.hpp"

namespace clara {

struct TrainingCurvesOptions {
  int width = 760;
  int panel_height = 240;
  std::string title;
};

// Columns named *loss go to the loss panel, *acc and *accuracy to the accuracy
// panel, lr to the learning-rate panel; a panel with no column is left out (a log
// with none of them still gives a picture, saying so). A column's line runs through
// its values, over the rows where its cell is empty.
std::string training_curves_image(const TrainingLog& log, const TrainingCurvesOptions& options,
                                  ImageFormat format);

}  // namespace clara
