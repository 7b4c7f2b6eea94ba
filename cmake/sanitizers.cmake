# CLARA_SANITIZE: ASan + UBSan on everything built in this tree. Used by CI for
# the torch-free suites (LibTorch itself is not built with sanitizers).
if(CLARA_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all)
  add_link_options(-fsanitize=address,undefined)
endif()

# CLARA_FUZZ: libFuzzer targets (tests/fuzz). Everything they link is built
# with coverage instrumentation plus ASan/UBSan; only the fuzz executables
# themselves link libFuzzer's main (-fsanitize=fuzzer, set in tests/fuzz).
if(CLARA_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "CLARA_FUZZ needs clang (configure with CXX=clang++)")
  endif()
  if(NOT CLARA_SANITIZE)
    add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer
                        -fno-sanitize-recover=all)
    add_link_options(-fsanitize=address,undefined)
  else()
    add_compile_options(-fsanitize=fuzzer-no-link)
  endif()
endif()
