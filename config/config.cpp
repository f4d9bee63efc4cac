// Placeholder translation unit until the YAML loader lands with the daemon issue (#3).
#include "config/defaults.h"
