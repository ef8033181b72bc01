target_sources(gpubox_tests PRIVATE
  core/error_test.cpp
  core/strings_test.cpp
)
