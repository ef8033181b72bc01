# End-to-end suites: every tests/e2e/test_*.py is one ctest test that runs
# `python3 -m unittest` against the real gpubox binary and a loopback moto
# (tests/support/gpubox_moto.py, harness.py). A file with a line
# "# ctest: RUN_SERIAL" runs alone.

# The python that has moto (with its server), boto3 and awscli: -DGPUBOX_PYTHON=..., else what
# scripts/find-python.sh finds ($GPUBOX_PYTHON, the machine's pythons, then the virtual
# environment `scripts/deps.sh --install` makes).
set(GPUBOX_PYTHON "" CACHE FILEPATH "Python 3 with moto, boto3 and awscli for the e2e tests")
if(NOT GPUBOX_PYTHON)
  execute_process(
    COMMAND bash "${PROJECT_SOURCE_DIR}/scripts/find-python.sh"
    OUTPUT_VARIABLE _gpubox_py_exe RESULT_VARIABLE _gpubox_py_rc
    OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
  if(_gpubox_py_rc EQUAL 0 AND _gpubox_py_exe)
    set(GPUBOX_PYTHON "${_gpubox_py_exe}" CACHE FILEPATH
        "Python 3 with moto, boto3 and awscli for the e2e tests" FORCE)
  endif()
endif()

file(GLOB _gpubox_e2e_files CONFIGURE_DEPENDS "${CMAKE_CURRENT_LIST_DIR}/test_*.py")

if(NOT GPUBOX_PYTHON)
  message(WARNING "No python3 with moto, boto3 and awscli found: the e2e tests will fail. "
                  "Run scripts/deps.sh --install, or pass -DGPUBOX_PYTHON=/path/to/python3.")
  add_test(NAME e2e.python_with_moto_missing COMMAND ${CMAKE_COMMAND} -E false)
  set_tests_properties(e2e.python_with_moto_missing PROPERTIES LABELS e2e)
  return()
endif()
message(STATUS "gpubox e2e python: ${GPUBOX_PYTHON}")

foreach(_file IN LISTS _gpubox_e2e_files)
  get_filename_component(_name "${_file}" NAME_WE)
  add_test(NAME e2e.${_name}
           COMMAND "${GPUBOX_PYTHON}" ${PROJECT_SOURCE_DIR}/tests/support/run_suite.py ${_name}
           WORKING_DIRECTORY "${CMAKE_CURRENT_LIST_DIR}")
  set_tests_properties(e2e.${_name} PROPERTIES
    LABELS e2e
    TIMEOUT 900
    ENVIRONMENT "GPUBOX_BIN=$<TARGET_FILE:gpubox>;GPUBOX_SOURCE_DIR=${PROJECT_SOURCE_DIR};GPUBOX_PYTHON=${GPUBOX_PYTHON};PYTHONPATH=${PROJECT_SOURCE_DIR}/tests/support;PYTHONDONTWRITEBYTECODE=1;PYTHONUNBUFFERED=1;GPUBOX_SKIP_LOG=${GPUBOX_SKIP_LOG}")
  file(STRINGS "${_file}" _serial REGEX "^# ctest: RUN_SERIAL")
  if(_serial)
    set_tests_properties(e2e.${_name} PROPERTIES RUN_SERIAL TRUE)
  endif()
endforeach()
