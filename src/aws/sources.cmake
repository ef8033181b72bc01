target_sources(gpubox_lib PRIVATE
  src/aws/http.cpp
)
