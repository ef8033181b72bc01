target_sources(gpubox_lib PRIVATE
  src/state/box_store.cpp
  src/state/db.cpp
  src/state/launch_ledger.cpp
  src/state/schema.cpp
)
