# Our own code builds warning-free; third-party headers come in as SYSTEM.
# Warnings are errors only where asked (CI and tools/test.sh set CLARA_WERROR=ON):
# a user's build of any type must compile even where a compiler has a false
# positive (GCC 12's -Wrestrict inside libstdc++'s basic_string at -O2/-O3).
option(CLARA_WERROR "Treat compiler warnings as errors (CI and tools/test.sh)" OFF)
function(clara_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra)
  if(CLARA_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
    # GCC 12 false positive in libstdc++ (PR 105329 family); not our code's warning.
    if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
      target_compile_options(${target} PRIVATE -Wno-error=restrict -Wno-error=maybe-uninitialized)
    endif()
  endif()
endfunction()

# GCC 12 at -O3 also warns inside libstdc++'s vector/array copies and compares of a few bytes
# (array-bounds, stringop-overflow, stringop-overread: PR 107852 family). Only the byte-level
# OSC code and its tests meet them; they stay warnings there, not errors.
function(clara_gcc12_byte_copy_false_positives target)
  if(CLARA_WERROR AND CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
    target_compile_options(${target} PRIVATE -Wno-error=array-bounds -Wno-error=stringop-overflow
                                             -Wno-error=stringop-overread)
  endif()
endfunction()
