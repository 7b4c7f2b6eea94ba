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
pkg_check_modules(SYSTEMD REQUIRED IMPORTED_TARGET libsystemd)  # clarad's sd_notify (Type=notify, watchdog)
pkg_check_modules(LIBLO REQUIRED IMPORTED_TARGET liblo)  # tests: the OSC codec checked against liblo's
