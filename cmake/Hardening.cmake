# Compiler and linker hardening for every binary (issue 17): stack protector, _FORTIFY_SOURCE,
# full RELRO, PIE and, on x86, CET. PLANB_HARDEN=OFF leaves the flags out (the ctest
# `hardened_binaries` then fails: an unhardened build is not one to ship).
#
# What a build must show is written to ${CMAKE_BINARY_DIR}/hardening-expected.txt, read by
# tests/hardening/check_hardening.py (ctest and scripts/package). It depends on the build, not on
# PLANB_HARDEN: FORTIFY only when optimising (glibc ignores it, with a warning, at -O0) and
# never under the sanitizers, which instrument the stack and the string functions themselves;
# CET where the compiler has it on x86.
option(PLANB_HARDEN "Stack protector, _FORTIFY_SOURCE, full RELRO, PIE and CET on every binary" ON)

include(CheckCXXCompilerFlag)
include(CheckPIESupported)

string(TOUPPER "${CMAKE_BUILD_TYPE}" planb_build_type)
set(planb_flags "${CMAKE_CXX_FLAGS} ${CMAKE_CXX_FLAGS_${planb_build_type}}")
# The last -O wins, as with the compiler; no -O at all is -O0.
string(REGEX MATCHALL "(^| )-O[^ ]*" planb_opt_flags "${planb_flags}")
set(planb_optimising OFF)
if(planb_opt_flags)
  list(GET planb_opt_flags -1 planb_last_opt)
  string(STRIP "${planb_last_opt}" planb_last_opt)
  if(NOT planb_last_opt STREQUAL "-O0")
    set(planb_optimising ON)
  endif()
endif()

set(planb_expected pie relro bind-now)
if(NOT PLANB_SANITIZE)
  list(APPEND planb_expected stack-protector)
  if(planb_optimising)
    list(APPEND planb_expected fortify)
  endif()
endif()
set(planb_cet OFF)
if(CMAKE_SYSTEM_PROCESSOR MATCHES "^(x86_64|AMD64|amd64|i[3-6]86)$")
  check_cxx_compiler_flag(-fcf-protection=full PLANB_HAS_CF_PROTECTION)
  if(PLANB_HAS_CF_PROTECTION)
    set(planb_cet ON)
    # clang's sanitizers put their own prologue before a function's endbr64.
    if(NOT PLANB_SANITIZE)
      list(APPEND planb_expected cet)
    endif()
  endif()
endif()
list(JOIN planb_expected "\n" planb_expected_text)
file(WRITE "${CMAKE_BINARY_DIR}/hardening-expected.txt" "${planb_expected_text}\n")

if(PLANB_HARDEN)
  check_pie_supported()
  set(CMAKE_POSITION_INDEPENDENT_CODE ON)
  add_compile_options(-fstack-protector-strong)
  add_link_options(LINKER:-z,relro LINKER:-z,now)
  # dpkg-buildflags (scripts/package) may already define it, at its own level.
  if(planb_optimising AND NOT PLANB_SANITIZE AND NOT planb_flags MATCHES "_FORTIFY_SOURCE")
    add_compile_definitions(_FORTIFY_SOURCE=2)
  endif()
  if(planb_cet)
    add_compile_options(-fcf-protection=full)
  endif()
endif()
