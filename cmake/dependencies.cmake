# Every third-party package Clara builds against (Debian 12; tools/setup.sh installs them).
find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)
find_package(Boost REQUIRED)
find_package(OpenSSL REQUIRED)
pkg_check_modules(TOMLPP REQUIRED IMPORTED_TARGET tomlplusplus)
find_package(CLI11 CONFIG REQUIRED)
find_package(nlohmann_json 3 CONFIG REQUIRED)
pkg_check_modules(JACK REQUIRED IMPORTED_TARGET jack)
pkg_check_modules(RTMIDI REQUIRED IMPORTED_TARGET rtmidi)
pkg_check_modules(ALSA REQUIRED IMPORTED_TARGET alsa)  # the ALSA backend's hot-plug: the sequencer's port announcements
pkg_check_modules(SYSTEMD REQUIRED IMPORTED_TARGET libsystemd)  # clarad's sd_notify (Type=notify, watchdog)
pkg_check_modules(LIBLO REQUIRED IMPORTED_TARGET liblo)  # tests: the OSC codec checked against liblo's
pkg_check_modules(CAIRO REQUIRED IMPORTED_TARGET cairo cairo-svg)  # pictures: piano rolls, training curves (PNG, SVG)
pkg_check_modules(FLUIDSYNTH REQUIRED IMPORTED_TARGET fluidsynth)  # `clara render`: MIDI to audio offline
pkg_check_modules(SNDFILE REQUIRED IMPORTED_TARGET sndfile)  # `clara render`'s WAV files
# Ableton Link (header-only, on standalone Asio): clarad's `link` tempo source and the test peer.
# Optional: -DCLARA_WITH_LINK=OFF builds clarad without it (the source is then refused by name).
if(CLARA_WITH_LINK)
  find_package(AbletonLink CONFIG REQUIRED)  # /usr/share/cmake/AbletonLinkConfig (ableton-link-dev)
endif()
