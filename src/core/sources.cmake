target_sources(gpubox_lib PRIVATE
  src/core/clock.cpp
  src/core/crypto.cpp
  src/core/env.cpp
  src/core/error.cpp
  src/core/log.cpp
  src/core/paths.cpp
  src/core/strings.cpp
  src/core/ini.cpp
  src/core/iso8601.cpp
  src/core/filesystem.cpp
  src/core/process.cpp
  src/core/progress.cpp
  src/core/prompter.cpp
  src/core/duration.cpp
)
