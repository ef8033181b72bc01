target_sources(gpubox_lib PRIVATE
  src/remote/ssh.cpp
)
