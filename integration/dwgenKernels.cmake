# dwgenKernels.cmake - dwgen_add_kernels(): generate a model's kernels at
# build time and compile them into a target. Loaded by dwgenConfig.cmake.
#
#   dwgen_add_kernels(<target> LAYERS <file>...
#                     [PREFIX <p>]             kernel name prefix (default dwconv)
#                     [REGISTRY <name>]        registry variable (default dwgen_registry_generated)
#                     [SPECIALIZE shape|config|both]
#                     [TARGET_ISA c|avx2|avx512] kernel target (dwgen --target; default c)
#                     [REQUIRE_ALL]            fail when a layer gets no specialized kernel
#                     [OUTPUT_DIR <dir>]       default ${CMAKE_CURRENT_BINARY_DIR}/dwgen/<REGISTRY>
#                     [OPTIONS <arg>...]       more dwgen arguments, passed as they are
#                     [SOURCES_VAR <var>])     set <var> to the generated .c files
#
# The target gets the kernels and the registry as sources and two include
# folders: OUTPUT_DIR (#include "dwgen_kernels.h") and its parent
# (#include "<REGISTRY>/dwgen_kernels.h", which is what to write when one
# target has several sets). Give each set of a program its own PREFIX and
# REGISTRY. Layer files are relative to CMAKE_CURRENT_SOURCE_DIR.
#
# How generation works. Which .c files dwgen writes depends on the layer
# file, but CMake needs a target's source list when it configures. So:
#   - at configure time, `dwgen --list` (which writes nothing) names the
#     kernels; the layer files and the dwgen executable are configure
#     dependencies, so changing either re-runs this step before the build
#     and a changed set of kernels is picked up;
#   - at build time, one custom command runs `dwgen -o OUTPUT_DIR` when a
#     layer file, dwgen or the arguments (OUTPUT_DIR.args, rewritten at
#     configure time only when they change) are newer than its stamp (OUTPUT: the stamp;
#     BYPRODUCTS: the kernels, the registry and the header). dwgen
#     rewrites only files whose bytes change, so only changed kernels are
#     recompiled, and it removes kernels that are no longer produced.
# With REQUIRE_ALL both steps fail, naming each FILE:LINE without a kernel.

function(dwgen_add_kernels target)
  cmake_parse_arguments(PARSE_ARGV 1 ARG "REQUIRE_ALL"
    "PREFIX;REGISTRY;SPECIALIZE;TARGET_ISA;OUTPUT_DIR;SOURCES_VAR" "LAYERS;OPTIONS")
  set(_fn "dwgen_add_kernels(${target})")
  if(ARG_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "${_fn}: unknown arguments: ${ARG_UNPARSED_ARGUMENTS}")
  endif()
  if(NOT TARGET ${target})
    message(FATAL_ERROR "${_fn}: no target named ${target} (define it before this call)")
  endif()
  if(NOT ARG_LAYERS)
    message(FATAL_ERROR "${_fn}: LAYERS <file>... is required")
  endif()
  if(NOT TARGET dwgen::generator)
    message(FATAL_ERROR "${_fn}: dwgen::generator is not defined (call find_package(dwgen) first)")
  endif()
  if(NOT ARG_PREFIX)
    set(ARG_PREFIX dwconv)
  endif()
  if(NOT ARG_REGISTRY)
    set(ARG_REGISTRY dwgen_registry_generated)
  endif()
  if(NOT ARG_SPECIALIZE)
    set(ARG_SPECIALIZE shape)
  endif()
  if(NOT ARG_SPECIALIZE MATCHES "^(shape|config|both)$")
    message(FATAL_ERROR "${_fn}: SPECIALIZE must be shape, config or both (got '${ARG_SPECIALIZE}')")
  endif()
  if(NOT ARG_OUTPUT_DIR)
    set(ARG_OUTPUT_DIR "${CMAKE_CURRENT_BINARY_DIR}/dwgen/${ARG_REGISTRY}")
  endif()
  get_filename_component(_out "${ARG_OUTPUT_DIR}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_BINARY_DIR}")
  get_filename_component(_parent "${_out}" DIRECTORY)
  get_target_property(_dwgen dwgen::generator IMPORTED_LOCATION)

  # Layer files stay as written (relative to the source folder, where dwgen
  # runs), so the command recorded in the generated files does not depend
  # on where the tree is; dependencies use absolute paths.
  set(_layers_abs)
  foreach(_f IN LISTS ARG_LAYERS)
    get_filename_component(_abs "${_f}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_SOURCE_DIR}")
    if(NOT EXISTS "${_abs}")
      message(FATAL_ERROR "${_fn}: layer file ${_f} does not exist (looked for ${_abs})")
    endif()
    list(APPEND _layers_abs "${_abs}")
  endforeach()

  set(_args --prefix "${ARG_PREFIX}" --registry "${ARG_REGISTRY}" --specialize "${ARG_SPECIALIZE}")
  if(ARG_TARGET_ISA)
    list(APPEND _args --target "${ARG_TARGET_ISA}")
  endif()
  if(ARG_REQUIRE_ALL)
    list(APPEND _args --require-all)
  endif()
  list(APPEND _args ${ARG_OPTIONS} -- ${ARG_LAYERS})

  # Configure time: the kernel names, from the "kernel" column of --list.
  execute_process(COMMAND "${_dwgen}" --list ${_args}
    WORKING_DIRECTORY "${CMAKE_CURRENT_SOURCE_DIR}"
    RESULT_VARIABLE _rc OUTPUT_VARIABLE _listing ERROR_VARIABLE _err)
  if(NOT _rc EQUAL 0)
    message(FATAL_ERROR "${_fn}: dwgen --list failed (${_rc}):\n${_err}")
  elseif(_err)
    message(WARNING "${_fn}:\n${_err}")
  endif()
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${_layers_abs} "${_dwgen}")

  string(REPLACE ";" "," _listing "${_listing}")   # keep CMake's list separator out
  string(REPLACE "\n" ";" _lines "${_listing}")
  list(GET _lines 0 _header)
  string(REPLACE "\t" ";" _header "${_header}")
  list(FIND _header kernel _col)
  if(_col LESS 0)
    message(FATAL_ERROR "${_fn}: dwgen --list printed no kernel column: ${_header}")
  endif()
  list(REMOVE_AT _lines 0)
  set(_kernels)
  foreach(_line IN LISTS _lines)
    if(_line STREQUAL "")
      continue()
    endif()
    string(REPLACE "\t" ";" _fields "${_line}")
    list(GET _fields ${_col} _names)
    string(REPLACE "," ";" _names "${_names}")
    foreach(_name IN LISTS _names)
      if(NOT _name STREQUAL "generic")
        list(APPEND _kernels "${_name}")
      endif()
    endforeach()
  endforeach()
  list(REMOVE_DUPLICATES _kernels)
  set(_sources)
  foreach(_name IN LISTS _kernels)
    list(APPEND _sources "${_out}/${_name}.c")
  endforeach()
  set(_registry "${_out}/dwgen_registry.c")
  set(_stamp "${_out}.stamp")

  # Build time: regenerate when a layer file or dwgen is newer than the stamp.
  # The registry is a byproduct, not an OUTPUT: an OUTPUT must be newer
  # than its dependencies after the command, so it would have to be touched,
  # and the registry would then be recompiled after every regeneration.
  # The arguments, in a file rewritten only when they change: the Makefile
  # generators do not rerun a custom command because its command changed.
  string(REPLACE ";" "\n" _args_text "${_args}\n")
  set(_args_old "")
  if(EXISTS "${_out}.args")
    file(READ "${_out}.args" _args_old)
  endif()
  if(NOT _args_old STREQUAL _args_text)
    file(WRITE "${_out}.args" "${_args_text}")
  endif()
  if(NOT EXISTS "${_out}/.dwgen-manifest")
    file(REMOVE "${_stamp}")   # the set was deleted: generate it again
  endif()
  add_custom_command(
    OUTPUT "${_stamp}"
    BYPRODUCTS ${_sources} "${_registry}" "${_out}/dwgen_kernels.h" "${_out}/.dwgen-manifest"
    COMMAND dwgen::generator -o "${_out}" ${_args}
    COMMAND "${CMAKE_COMMAND}" -E touch "${_stamp}"
    DEPENDS ${_layers_abs} dwgen::generator "${_out}.args"
    WORKING_DIRECTORY "${CMAKE_CURRENT_SOURCE_DIR}"
    COMMENT "dwgen: generating ${ARG_REGISTRY} (${ARG_PREFIX}_*) for ${target}"
    VERBATIM)
  set_source_files_properties(${_sources} "${_registry}" PROPERTIES GENERATED TRUE)
  target_sources(${target} PRIVATE ${_sources} "${_registry}" "${_stamp}")
  target_include_directories(${target} PRIVATE "${_out}" "${_parent}")
  if(ARG_SOURCES_VAR)
    set(${ARG_SOURCES_VAR} ${_sources} "${_registry}" PARENT_SCOPE)
  endif()
endfunction()
