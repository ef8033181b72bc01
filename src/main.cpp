#include "cli/main.hpp"

int main(int argc, char** argv) { return gpubox::cli::main(argc, argv); }
