// Declarations only (include/_CLibFuzzer.h): SwiftPM needs one source file per C target.
#include "_CLibFuzzer.h"
