# gpubox_live_tests: SSM, Service Quotas and Pricing through a real AwsClient + CurlHttpClient
# against the loopback moto wrapper; run_live.py starts the wrapper, runs the binary and
# re-verifies every recorded signature with botocore. Label `wire`: real HTTP and SigV4 over the
# wire to moto on 127.0.0.1 (nothing here talks to AWS itself).
add_executable(gpubox_live_tests ${CMAKE_CURRENT_LIST_DIR}/live_aws_test.cpp)
target_include_directories(gpubox_live_tests PRIVATE ${PROJECT_SOURCE_DIR}/src)
target_link_libraries(gpubox_live_tests PRIVATE gpubox_lib gpubox_warnings GTest::gtest GTest::gtest_main)
if(GPUBOX_PYTHON)
  add_test(NAME wire.aws_json_services
           COMMAND "${GPUBOX_PYTHON}" ${CMAKE_CURRENT_LIST_DIR}/run_live.py $<TARGET_FILE:gpubox_live_tests>)
  set_tests_properties(wire.aws_json_services PROPERTIES
    LABELS "e2e;wire" TIMEOUT 300
    ENVIRONMENT "PYTHONDONTWRITEBYTECODE=1;PYTHONUNBUFFERED=1")
endif()
