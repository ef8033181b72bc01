# On-box scripts (onbox/: bootstrap.sh, watchdog.py, check.py, the IMDB notebook): each
# tests/onbox/test_*.py is one ctest test, label onbox, run with `python3 -m unittest`.
# They need only the standard library; the IMDB and Jupyter parts use Debian's /usr/bin/python3
# (python3-torch, jupyter-notebook, python3-nbconvert) and skip with a reason when it lacks them.
find_program(GPUBOX_ONBOX_PYTHON NAMES python3 DOC "Python 3 for the onbox tests")
file(GLOB _gpubox_onbox_files CONFIGURE_DEPENDS "${CMAKE_CURRENT_LIST_DIR}/test_*.py")
foreach(_file IN LISTS _gpubox_onbox_files)
  get_filename_component(_name "${_file}" NAME_WE)
  add_test(NAME onbox.${_name}
           COMMAND "${GPUBOX_ONBOX_PYTHON}" ${PROJECT_SOURCE_DIR}/tests/support/run_suite.py ${_name}
           WORKING_DIRECTORY "${CMAKE_CURRENT_LIST_DIR}")
  set_tests_properties(onbox.${_name} PROPERTIES
    LABELS onbox
    TIMEOUT 900
    ENVIRONMENT "GPUBOX_OFFLINE=1;PYTHONDONTWRITEBYTECODE=1;PYTHONUNBUFFERED=1;GPUBOX_SKIP_LOG=${GPUBOX_SKIP_LOG}")
endforeach()
