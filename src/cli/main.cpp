#include "cli/main.hpp"

#include <cstdio>

namespace gpubox::cli {

int main(int argc, char** argv) {
  (void)argc;
  (void)argv;
  std::puts("gpubox " GPUBOX_VERSION);
  return 0;
}

}  // namespace gpubox::cli
