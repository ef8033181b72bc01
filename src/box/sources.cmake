target_sources(gpubox_lib PRIVATE
  src/box/caller_ip.cpp
  src/box/known_hosts.cpp
  src/box/names.cpp
  src/box/ssh_config.cpp
  src/box/ssh_include.cpp
)
