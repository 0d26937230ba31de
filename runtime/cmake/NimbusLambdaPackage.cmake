# nimbus_lambda_package(<target> [NO_LIBC] [STRIP] [ALL] [OUTPUT <zip>])
#
# Adds a custom target <target>-zip that builds a deployable Lambda zip (provided.al2023):
# `bootstrap`, bin/<target> and lib/ with the shared libraries the binary needs (from ldd),
# including the dynamic loader. NO_LIBC leaves glibc and the loader out (bootstrap then runs the
# binary directly). STRIP strips the binary's symbols in the zip. OUTPUT defaults to
# ${CMAKE_CURRENT_BINARY_DIR}/<target>.zip. ALL adds the target to the default build.
# The work is done by NIMBUS_LAMBDA_PACKAGER (tools/nimbus-lambda-package), the same script as
# `nimbus package`.
function(nimbus_lambda_package target)
  cmake_parse_arguments(P "NO_LIBC;STRIP;ALL" "OUTPUT" "" ${ARGN})
  if(NOT P_OUTPUT)
    set(P_OUTPUT ${CMAKE_CURRENT_BINARY_DIR}/${target}.zip)
  endif()
  set(flags)
  if(P_NO_LIBC)
    list(APPEND flags --no-libc)
  endif()
  if(P_STRIP)
    list(APPEND flags --strip)
  endif()
  set(all)
  if(P_ALL)
    set(all ALL)
  endif()
  add_custom_command(
    OUTPUT ${P_OUTPUT}
    COMMAND ${NIMBUS_LAMBDA_PACKAGER} $<TARGET_FILE:${target}> -o ${P_OUTPUT} ${flags}
    DEPENDS ${target} ${NIMBUS_LAMBDA_PACKAGER}
    COMMENT "Packaging ${target} for Lambda -> ${P_OUTPUT}"
    VERBATIM)
  add_custom_target(${target}-zip ${all} DEPENDS ${P_OUTPUT})
endfunction()
