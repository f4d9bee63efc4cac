// Builds the precompiled header the test binaries share (tests/CMakeLists.txt, BW_PCH).
