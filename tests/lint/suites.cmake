# Checks of the tree itself (label lint): the include arrows of ARCHITECTURE.md hold in src/
# (scripts/check-arch.py), and the checker catches an arrow that runs the wrong way.
find_program(GPUBOX_LINT_PYTHON NAMES python3 DOC "Python 3 for scripts/check-arch.py")
add_test(NAME lint.include_arrows
         COMMAND "${GPUBOX_LINT_PYTHON}" "${PROJECT_SOURCE_DIR}/scripts/check-arch.py"
                 --root "${PROJECT_SOURCE_DIR}")
add_test(NAME lint.check_arch_selftest
         COMMAND "${GPUBOX_LINT_PYTHON}" -m unittest -v test_check_arch
         WORKING_DIRECTORY "${CMAKE_CURRENT_LIST_DIR}")
set_tests_properties(lint.include_arrows lint.check_arch_selftest PROPERTIES
  LABELS lint TIMEOUT 60
  ENVIRONMENT "GPUBOX_SOURCE_DIR=${PROJECT_SOURCE_DIR};PYTHONDONTWRITEBYTECODE=1")
