# Settings and warnings for our own targets only (never leaked to dependencies).
add_library(sniff_settings INTERFACE)
target_compile_options(sniff_settings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Woverloaded-virtual -Wnull-dereference)
if(SNIFF_WERROR)
  target_compile_options(sniff_settings INTERFACE -Werror)
endif()
target_compile_definitions(sniff_settings INTERFACE $<$<CONFIG:Debug>:_GLIBCXX_ASSERTIONS>
  SNIFF_VERSION="${PROJECT_VERSION}")
if(SNIFF_SANITIZE)
  # -fno-sanitize-recover=all: every UBSan finding is fatal, so a test cannot pass over one.
  # -fno-sanitize=vptr: UBSan's dynamic-type check probes the vtable through pipe(), so in a
  # process out of descriptors (the fd-exhaustion tests, on purpose) every virtual call it checks
  # is reported as "invalid vptr"; ASan still catches calls on freed objects.
  target_compile_options(sniff_settings INTERFACE -fsanitize=address,undefined -fno-sanitize=vptr
    -fno-omit-frame-pointer -fno-sanitize-recover=all)
  # GCC 12 misfires in instrumented -O1 code: -Wmaybe-uninitialized inside libstdc++'s std::regex,
  # -Wmismatched-new-delete on Asio's coroutine frames. The plain build keeps both warnings.
  target_compile_options(sniff_settings INTERFACE
    $<$<CXX_COMPILER_ID:GNU>:-Wno-maybe-uninitialized -Wno-mismatched-new-delete>)
  target_link_options(sniff_settings INTERFACE -fsanitize=address,undefined -fno-sanitize=vptr)
endif()
