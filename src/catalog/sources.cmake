target_sources(gpubox_lib PRIVATE
  src/catalog/catalog.cpp
  src/catalog/catalog_parse.cpp
  src/catalog/csv.cpp
  src/catalog/gpus.cpp
  src/catalog/refresh.cpp
)

# Embed data/catalog/*.csv in the binary: the generated catalog_data.cpp holds each CSV as a list of
# raw string literal chunks (each under 16 KiB, well below any compiler's string literal limit).
# Configure-time generation: editing a CSV re-runs CMake (CMAKE_CONFIGURE_DEPENDS).
function(gpubox_embed_csv_chunks path out_var)
  file(READ "${path}" content)
  set_property(DIRECTORY "${PROJECT_SOURCE_DIR}" APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${path}")
  string(FIND "${content}" ")gpubox_csv\"" clash)
  if(NOT clash EQUAL -1)
    message(FATAL_ERROR "${path} contains the raw string delimiter )gpubox_csv\"")
  endif()
  string(LENGTH "${content}" length)
  set(chunks "")
  set(offset 0)
  while(offset LESS length)
    string(SUBSTRING "${content}" ${offset} 12000 piece)
    string(APPEND chunks "    R\"gpubox_csv(${piece})gpubox_csv\",\n")
    math(EXPR offset "${offset} + 12000")
  endwhile()
  set(${out_var} "${chunks}" PARENT_SCOPE)
endfunction()

gpubox_embed_csv_chunks("${PROJECT_SOURCE_DIR}/data/catalog/aws-gpu-instances.csv" GPUBOX_INSTANCES_CHUNKS)
gpubox_embed_csv_chunks("${PROJECT_SOURCE_DIR}/data/catalog/aws-gpu-coverage.csv" GPUBOX_COVERAGE_CHUNKS)
configure_file("${PROJECT_SOURCE_DIR}/src/catalog/catalog_data.cpp.in"
               "${PROJECT_BINARY_DIR}/generated/catalog/catalog_data.cpp" @ONLY)
target_sources(gpubox_lib PRIVATE "${PROJECT_BINARY_DIR}/generated/catalog/catalog_data.cpp")

# Micro benchmark: parse + search the embedded catalog, print milliseconds (not a test).
add_executable(catalog_bench bench/catalog_bench.cpp)
target_link_libraries(catalog_bench PRIVATE gpubox_lib gpubox_warnings)
