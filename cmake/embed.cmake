# Embed the on-box scripts (onbox/) into gpubox: a custom command runs cmake/embed_onbox.cmake,
# which writes <build>/generated/box/onbox_embedded.cpp with every file as a byte array, plus two
# gzip'd tarballs made at build time: userdata.tar.gz (bootstrap.sh + watchdog.py, for EC2
# user-data) and onbox.tar.gz (all files, uploaded over ssh). It reruns when a file changes.
set(GPUBOX_ONBOX_FILES bootstrap.sh watchdog.py job.py volume.sh autostart.sh check.py imdb_model.py
    imdb.ipynb imdb_sample.tsv.gz)

# Add the generated onbox_embedded.cpp to `target`.
function(gpubox_embed_onbox target)
  set(_dir "${PROJECT_SOURCE_DIR}/onbox")
  set(_out "${PROJECT_BINARY_DIR}/generated/box/onbox_embedded.cpp")
  set(_deps "")
  foreach(_f IN LISTS GPUBOX_ONBOX_FILES)
    list(APPEND _deps "${_dir}/${_f}")
  endforeach()
  string(REPLACE ";" "," _names "${GPUBOX_ONBOX_FILES}")
  add_custom_command(
    OUTPUT "${_out}"
    COMMAND "${CMAKE_COMMAND}" "-DONBOX_DIR=${_dir}" "-DOUTPUT=${_out}"
            "-DWORK_DIR=${PROJECT_BINARY_DIR}/generated/box" "-DFILES=${_names}"
            -P "${PROJECT_SOURCE_DIR}/cmake/embed_onbox.cmake"
    WORKING_DIRECTORY "${_dir}"
    DEPENDS ${_deps} "${PROJECT_SOURCE_DIR}/cmake/embed_onbox.cmake"
    COMMENT "Embedding onbox/ scripts"
    VERBATIM)
  target_sources(${target} PRIVATE "${_out}")
endfunction()
