# The version has one home, project() in the top CMakeLists.txt; both programs
# print it for --version through this generated header.
configure_file(${PROJECT_SOURCE_DIR}/cmake/version.hpp.in ${PROJECT_BINARY_DIR}/generated/clara_version.hpp @ONLY)
add_library(clara_version INTERFACE)
target_include_directories(clara_version INTERFACE ${PROJECT_BINARY_DIR}/generated)
