# `cmake --install` and `cpack -G DEB`: the binary, man pages (gpubox(1) and one per command) and
# bash/zsh/fish completions. The pages and completions are generated at build time by the binary
# itself (`gpubox __generate-docs DIR`, src/cli/docgen.cpp) from the same CLI11 tree as --help.
include(GNUInstallDirs)
set(GPUBOX_DOCS_DIR ${PROJECT_BINARY_DIR}/docs)
add_custom_command(
  OUTPUT ${GPUBOX_DOCS_DIR}/stamp
  COMMAND ${CMAKE_COMMAND} -E rm -rf ${GPUBOX_DOCS_DIR}/man ${GPUBOX_DOCS_DIR}/completions
  COMMAND $<TARGET_FILE:gpubox> __generate-docs ${GPUBOX_DOCS_DIR}
  COMMAND ${CMAKE_COMMAND} -E touch ${GPUBOX_DOCS_DIR}/stamp
  DEPENDS gpubox
  COMMENT "Generating man pages and shell completions from gpubox's CLI definitions")
add_custom_target(gpubox_docs ALL DEPENDS ${GPUBOX_DOCS_DIR}/stamp)

install(TARGETS gpubox RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(DIRECTORY ${GPUBOX_DOCS_DIR}/man/ DESTINATION ${CMAKE_INSTALL_MANDIR})
install(FILES ${GPUBOX_DOCS_DIR}/completions/gpubox.bash
        DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions RENAME gpubox)
install(FILES ${GPUBOX_DOCS_DIR}/completions/_gpubox
        DESTINATION ${CMAKE_INSTALL_DATADIR}/zsh/vendor-completions)
install(FILES ${GPUBOX_DOCS_DIR}/completions/gpubox.fish
        DESTINATION ${CMAKE_INSTALL_DATADIR}/fish/vendor_completions.d)

set(CPACK_PACKAGE_NAME gpubox)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "gpubox maintainers <gpubox@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "a secure Jupyter on a cloud GPU in one command, and nothing left billing")
set(CPACK_PACKAGE_INSTALL_DIRECTORY /usr)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION utils)
# The shared libraries the binary links (libcurl, libsqlite3, libcrypto, libc) come from
# dpkg-shlibdeps; ssh is run as a program, so it is named here.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "openssh-client")
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "rsync")
set(CPACK_GENERATOR DEB)
include(CPack)
