// budgetwatch: parse argv, run the command, return its exit code. Nothing else lives here.
#include "daemon/cli.h"

int main(int argc, char** argv) { return bw::daemon::run_cli(argc, argv); }
