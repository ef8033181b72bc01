target_sources(gpubox_lib PRIVATE
  src/remote/ssh.cpp
  src/remote/stand_in.cpp
)
