// Everything is in include/CVectorMath.h, inlined into the Swift code that calls it.
#include "CVectorMath.h"
