# cmake --install (and tools/install.sh, which runs it): the FHS layout under
# CMAKE_INSTALL_PREFIX (/usr/local by default), DESTDIR honoured:
#   bin/clara, bin/clarad
#   share/clara/models/NAME/...        the shipped models, cards and SHA256SUMS
#   share/clara/samples/...            the demo's sample
#   share/clara/clarad.toml            the example settings (tools/install.sh copies it to
#                                      /etc/clara/clarad.toml when that file is absent)
#   lib/systemd/system/clarad.service  the system unit; lib/systemd/user/clarad.service
#   share/man/man1/clara.1, man8/clarad.8, man5/clarad.toml.5
#   share/doc/clara/                   README, docs/*.md
# Nothing is written outside the prefix (no /etc): the config file is the user's, never
# overwritten by an install.

# The build tree as an installed tree: EXE/../share/clara holds models/ and samples/ for
# bin/clara and bin/clarad (core/install/data_dirs.hpp), as links into the source tree.
file(MAKE_DIRECTORY ${PROJECT_BINARY_DIR}/share/clara)
foreach(pair "models;models" "samples;tools/samples")
  list(GET pair 0 name)
  list(GET pair 1 source)
  if(NOT EXISTS ${PROJECT_BINARY_DIR}/share/clara/${name})
    file(CREATE_LINK ${PROJECT_SOURCE_DIR}/${source} ${PROJECT_BINARY_DIR}/share/clara/${name} SYMBOLIC)
  endif()
endforeach()

set(CLARA_DATA_DEST ${CMAKE_INSTALL_DATADIR}/clara)

install(TARGETS clara RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
if(TARGET clarad)
  install(TARGETS clarad RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
endif()

install(DIRECTORY ${PROJECT_SOURCE_DIR}/models/ DESTINATION ${CLARA_DATA_DEST}/models)
install(FILES ${PROJECT_SOURCE_DIR}/tools/samples/anna-magdalena-20a.mid ${PROJECT_SOURCE_DIR}/tools/samples/README.md
        DESTINATION ${CLARA_DATA_DEST}/samples)
install(FILES ${PROJECT_SOURCE_DIR}/config/clarad.toml DESTINATION ${CLARA_DATA_DEST})

# The units name the installed clarad (the source's name /usr/local/bin/clarad), for the
# prefix given at install time (cmake --install --prefix), not only the configured one.
foreach(unit system user)
  if(unit STREQUAL "system")
    set(source ${PROJECT_SOURCE_DIR}/systemd/clarad.service)
  else()
    set(source ${PROJECT_SOURCE_DIR}/systemd/user/clarad.service)
  endif()
  set(output ${PROJECT_BINARY_DIR}/systemd/${unit}/clarad.service)
  install(CODE "set(CLARA_UNIT_SOURCE \"${source}\")
set(CLARA_UNIT_OUTPUT \"${output}\")
set(CLARA_BINDIR \"${CMAKE_INSTALL_BINDIR}\")
include(\"${PROJECT_SOURCE_DIR}/cmake/install_unit.cmake\")")
  install(FILES ${output} DESTINATION lib/systemd/${unit})
endforeach()

file(GLOB CLARA_DOCS ${PROJECT_SOURCE_DIR}/docs/*.md)
install(FILES ${PROJECT_SOURCE_DIR}/README.md ${CLARA_DOCS} DESTINATION ${CMAKE_INSTALL_DOCDIR})

# Man pages: built by man/CMakeLists.txt.
if(CLARA_MAN_PAGES)
  foreach(page ${CLARA_MAN_PAGES})
    get_filename_component(ext ${page} LAST_EXT)
    string(SUBSTRING ${ext} 1 1 section)
    install(FILES ${page} DESTINATION ${CMAKE_INSTALL_MANDIR}/man${section})
  endforeach()
endif()
