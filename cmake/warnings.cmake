# Compiler warnings for every budgetwatch target; BW_WERROR turns them into errors (CI).
function(bw_set_warnings target)
  target_compile_options(${target} INTERFACE -Wall -Wextra -Wshadow -Wnon-virtual-dtor -Wold-style-cast
                                             -Wcast-align -Woverloaded-virtual -Wimplicit-fallthrough)
  if(BW_WERROR)
    target_compile_options(${target} INTERFACE -Werror)
  endif()
endfunction()
