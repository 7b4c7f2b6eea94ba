# Run by cmake --install (install(CODE) in cmake/install.cmake): a systemd unit with the
# installed clarad's path, the prefix being the one of this install (--prefix included).
# In: CLARA_UNIT_SOURCE, CLARA_UNIT_OUTPUT, CLARA_BINDIR (relative to the prefix, or absolute).
file(READ ${CLARA_UNIT_SOURCE} text)
if(IS_ABSOLUTE "${CLARA_BINDIR}")
  set(bindir "${CLARA_BINDIR}")
else()
  set(bindir "${CMAKE_INSTALL_PREFIX}/${CLARA_BINDIR}")
endif()
string(REPLACE "/usr/local/bin/clarad" "${bindir}/clarad" text "${text}")
file(WRITE ${CLARA_UNIT_OUTPUT} "${text}")
