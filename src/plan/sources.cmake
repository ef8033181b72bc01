target_sources(gpubox_lib PRIVATE
  src/plan/offers.cpp
)
