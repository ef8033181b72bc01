target_sources(gpubox_lib PRIVATE
  src/cli/app.cpp
  src/cli/cmd_regions.cpp
  src/cli/cmd_version.cpp
  src/cli/cmd_whoami.cpp
  src/cli/env.cpp
  src/cli/main.cpp
  src/cli/output.cpp
)
