# End-to-end suites: every tests/e2e/test_*.py is one ctest test that runs
# `python3 -m unittest` against the real gpubox binary and a loopback moto
# (tests/support/gpubox_moto.py, harness.py). A file with a line
# "# ctest: RUN_SERIAL" runs alone.

# The python that has moto, boto3 and awscli. Debian's /usr/bin/python3 may lack
# them (pyenv's python3 on PATH has them), so probe: -DGPUBOX_PYTHON=...,
# $GPUBOX_PYTHON, python3 on PATH, /usr/bin/python3.
set(GPUBOX_PYTHON "" CACHE FILEPATH "Python 3 with moto, boto3 and awscli for the e2e tests")
if(NOT GPUBOX_PYTHON)
  set(_gpubox_py_candidates "")
  if(DEFINED ENV{GPUBOX_PYTHON})
    list(APPEND _gpubox_py_candidates "$ENV{GPUBOX_PYTHON}")
  endif()
  find_program(_gpubox_path_python3 NAMES python3 NO_CACHE)
  if(_gpubox_path_python3)
    list(APPEND _gpubox_py_candidates "${_gpubox_path_python3}")
  endif()
  list(APPEND _gpubox_py_candidates /usr/bin/python3)
  foreach(_candidate IN LISTS _gpubox_py_candidates)
    execute_process(
      COMMAND "${_candidate}" -c "import moto, boto3, awscli, sys; print(sys.executable)"
      OUTPUT_VARIABLE _gpubox_py_exe RESULT_VARIABLE _gpubox_py_rc
      OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
    if(_gpubox_py_rc EQUAL 0 AND _gpubox_py_exe)
      set(GPUBOX_PYTHON "${_gpubox_py_exe}" CACHE FILEPATH
          "Python 3 with moto, boto3 and awscli for the e2e tests" FORCE)
      break()
    endif()
  endforeach()
endif()

file(GLOB _gpubox_e2e_files CONFIGURE_DEPENDS "${CMAKE_CURRENT_LIST_DIR}/test_*.py")

if(NOT GPUBOX_PYTHON)
  message(WARNING "No python3 with moto, boto3 and awscli found: the e2e tests will fail. "
                  "Pass -DGPUBOX_PYTHON=/path/to/python3.")
  add_test(NAME e2e.python_with_moto_missing COMMAND ${CMAKE_COMMAND} -E false)
  set_tests_properties(e2e.python_with_moto_missing PROPERTIES LABELS e2e)
  return()
endif()
message(STATUS "gpubox e2e python: ${GPUBOX_PYTHON}")

foreach(_file IN LISTS _gpubox_e2e_files)
  get_filename_component(_name "${_file}" NAME_WE)
  add_test(NAME e2e.${_name}
           COMMAND "${GPUBOX_PYTHON}" -m unittest -v ${_name}
           WORKING_DIRECTORY "${CMAKE_CURRENT_LIST_DIR}")
  set_tests_properties(e2e.${_name} PROPERTIES
    LABELS e2e
    TIMEOUT 900
    ENVIRONMENT "GPUBOX_BIN=$<TARGET_FILE:gpubox>;GPUBOX_SOURCE_DIR=${PROJECT_SOURCE_DIR};GPUBOX_PYTHON=${GPUBOX_PYTHON};PYTHONPATH=${PROJECT_SOURCE_DIR}/tests/support;PYTHONDONTWRITEBYTECODE=1;PYTHONUNBUFFERED=1")
  file(STRINGS "${_file}" _serial REGEX "^# ctest: RUN_SERIAL")
  if(_serial)
    set_tests_properties(e2e.${_name} PROPERTIES RUN_SERIAL TRUE)
  endif()
endforeach()
