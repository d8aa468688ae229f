// Everything is in include/CPrefetch.h, inlined into the Swift kernels that call it.
#include "CPrefetch.h"
