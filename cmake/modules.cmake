# One static library per module folder: clara_module(<target> <folder> [DEPS ...]).
# The folder's *.cpp are its sources; includes are rooted at the project
# directory ("core/midi/score.hpp"), so a path names its module.
function(clara_module target folder)
  cmake_parse_arguments(ARG "" "" "DEPS;PRIVATE_DEPS" ${ARGN})
  file(GLOB sources CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/${folder}/*.cpp)
  list(FILTER sources EXCLUDE REGEX "/main\\.cpp$")
  add_library(${target} STATIC ${sources})
  target_include_directories(${target} PUBLIC ${PROJECT_SOURCE_DIR})
  target_link_libraries(${target} PUBLIC ${ARG_DEPS} PRIVATE ${ARG_PRIVATE_DEPS})
  clara_warnings(${target})
endfunction()
