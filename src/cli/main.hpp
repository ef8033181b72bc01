#pragma once

namespace gpubox::cli {

// Run gpubox with the process's arguments; return the exit code.
int main(int argc, char** argv);

}  // namespace gpubox::cli
