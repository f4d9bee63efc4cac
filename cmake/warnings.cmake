# Compiler warnings for every budgetwatch target; BW_WERROR turns them into errors (CI).
function(bw_set_warnings target)
  target_compile_options(${target} INTERFACE -Wall -Wextra -Wshadow -Wnon-virtual-dtor -Wold-style-cast
                                             -Wcast-align -Woverloaded-virtual -Wimplicit-fallthrough)
  # GCC 12 misreports Asio's coroutine frame allocator as mismatched new/delete (a known false positive).
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    target_compile_options(${target} INTERFACE -Wno-mismatched-new-delete)
  endif()
  if(BW_WERROR)
    target_compile_options(${target} INTERFACE -Werror)
  endif()
endfunction()
