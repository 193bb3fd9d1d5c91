# gen_docs.cmake - the man page and bash completion, written by gcert from its command
# table: cmake -DGCERT=... -DOUT_DIR=... -P gen_docs.cmake
file(MAKE_DIRECTORY ${OUT_DIR}/docs ${OUT_DIR}/completion)
execute_process(COMMAND ${GCERT} help --man OUTPUT_FILE ${OUT_DIR}/docs/gcert.1 RESULT_VARIABLE rc1)
execute_process(COMMAND ${GCERT} help --completion OUTPUT_FILE ${OUT_DIR}/completion/gcert RESULT_VARIABLE rc2)
if(NOT rc1 EQUAL 0 OR NOT rc2 EQUAL 0)
  message(FATAL_ERROR "gcert help --man / --completion failed (${rc1}, ${rc2})")
endif()
