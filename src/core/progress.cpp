#include "core/progress.hpp"

namespace gpubox {

ProgressSink& null_progress() {
  static NullProgress progress;
  return progress;
}

}  // namespace gpubox
