# `cmake --install build --prefix P` lays sniff out as a Debian tool does, and `cpack -G DEB`
# packages the same layout. `sniff exec` finds the preload library in ../lib/sniff/ beside
# bin/ (default_preload_path() in src/exec/exec_process.cpp), so that path is fixed, not libdir.
include(GNUInstallDirs)

install(TARGETS sniff RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(TARGETS sniff_preload LIBRARY DESTINATION lib/sniff)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/sniff.1.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
install(FILES ${CMAKE_CURRENT_SOURCE_DIR}/completions/sniff.bash
        DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions RENAME sniff)
install(FILES ${CMAKE_CURRENT_SOURCE_DIR}/completions/_sniff
        DESTINATION ${CMAKE_INSTALL_DATADIR}/zsh/vendor-completions)
install(FILES ${CMAKE_CURRENT_SOURCE_DIR}/README.md ${CMAKE_CURRENT_SOURCE_DIR}/CHANGELOG.md
        DESTINATION ${CMAKE_INSTALL_DOCDIR})
# The project has not chosen its licence yet; its file is installed once it exists.
if(EXISTS ${CMAKE_CURRENT_SOURCE_DIR}/LICENSE)
  install(FILES ${CMAKE_CURRENT_SOURCE_DIR}/LICENSE DESTINATION ${CMAKE_INSTALL_DOCDIR}
          RENAME copyright)
endif()

set(CPACK_PACKAGE_NAME sniff)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "sniff maintainers <sniff@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "see where TCP segments and recv() chunks fall against your messages")
# The long description; CPack puts the summary above it and indents it as Debian's control wants.
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
    "sniff reads pcap/pcapng captures, live captures, its own proxy's recv() chunks and
the socket calls of a program it runs, reassembles TCP streams exactly and maps
framing messages (length prefix, JSON header, delimiter, protocol presets) onto the
segments and chunks that carried them: whole, coalesced or split.")
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
include(CPack)
