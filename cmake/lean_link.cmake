# Lean linking for the nimbus binary (issue 2: idle RSS <= 8 MiB). Measured with
# bench/rss_breakdown.py: each shared library costs its relocated data, its symbol tables and the
# pages the kernel's fault-around maps next to every page touched, whether or not nimbus calls
# into it (libcrypto alone was 1.4 MiB, 0.4 MiB of it private relocations). Linking the C++ runtime,
# libcrypto and SQLite into the binary, dropping unreferenced sections and packing relative
# relocations (DT_RELR) leave little more than what nimbus touches.
#
# Off for sanitizer and fuzz builds: their runtimes interpose operator new/delete and friends,
# which a statically linked libstdc++ would hide from them.
include(CheckLinkerFlag)

option(NIMBUS_LEAN_LINK
       "Static libstdc++/libgcc/libcrypto/SQLite, --gc-sections and packed relocations for nimbus"
       ON)
if(NIMBUS_SANITIZE OR NIMBUS_FUZZ)
  set(NIMBUS_LEAN_LINK OFF)
endif()

# Points the imported TARGET at the static archive beside its shared library (Debian's -dev
# packages ship both), adding the system libraries the archive needs. No archive: unchanged.
function(nimbus_prefer_static_archive target)
  if(NOT TARGET ${target})
    return()
  endif()
  foreach(prop IMPORTED_LOCATION IMPORTED_LOCATION_RELEASE)
    get_target_property(lib ${target} ${prop})
    if(lib AND lib MATCHES "\\.so(\\.[0-9.]+)?$")
      string(REGEX REPLACE "\\.so(\\.[0-9.]+)?$" ".a" archive "${lib}")
      if(EXISTS "${archive}")
        set_target_properties(${target} PROPERTIES ${prop} "${archive}")
        set_property(TARGET ${target} APPEND PROPERTY INTERFACE_LINK_LIBRARIES
                     Threads::Threads ${CMAKE_DL_LIBS} m)
      endif()
    endif()
  endforeach()
endfunction()

if(NIMBUS_LEAN_LINK)
  # No -ffunction-sections/-fdata-sections: measured, they change idle RSS by nothing (the
  # static archives already come in small objects) and would rebuild every object.
  # Only the C libraries nimbus itself links (the Lambda examples keep their own zlib choice).
  nimbus_prefer_static_archive(OpenSSL::Crypto)
  nimbus_prefer_static_archive(OpenSSL::SSL)  # https image pulls (src/image)
  nimbus_prefer_static_archive(SQLite::SQLite3)
  check_linker_flag(CXX "-Wl,-z,pack-relative-relocs" NIMBUS_HAVE_PACK_RELATIVE_RELOCS)
endif()

# Applies the lean link options to executable TARGET (a no-op when NIMBUS_LEAN_LINK is off).
function(nimbus_lean_link target)
  if(NOT NIMBUS_LEAN_LINK)
    return()
  endif()
  target_link_options(${target} PRIVATE -static-libstdc++ -static-libgcc -Wl,--gc-sections)
  if(NIMBUS_HAVE_PACK_RELATIVE_RELOCS)
    target_link_options(${target} PRIVATE -Wl,-z,pack-relative-relocs)
  endif()
endfunction()
