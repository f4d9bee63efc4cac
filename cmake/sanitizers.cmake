# BW_SANITIZE=ON builds everything with AddressSanitizer + UndefinedBehaviorSanitizer (CI job "asan").
function(bw_set_sanitizers target)
  if(BW_SANITIZE)
    target_compile_options(${target} INTERFACE -fsanitize=address,undefined -fno-omit-frame-pointer
                                               -fno-sanitize-recover=undefined)
    target_link_options(${target} INTERFACE -fsanitize=address,undefined)
  endif()
endfunction()
