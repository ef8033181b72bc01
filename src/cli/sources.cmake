target_sources(gpubox_lib PRIVATE
  src/cli/main.cpp
)
