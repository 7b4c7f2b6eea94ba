# CLARA_SANITIZE: ASan + UBSan on everything built in this tree. Used by CI for
# the torch-free suites (LibTorch itself is not built with sanitizers).
if(CLARA_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all)
  add_link_options(-fsanitize=address,undefined)
endif()
