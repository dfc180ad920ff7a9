#ifndef PLUGBOARD_CLIBFUZZER_H
#define PLUGBOARD_CLIBFUZZER_H

#include <stddef.h>
#include <stdint.h>

/// libFuzzer's driver (LLVM 11 and later, `FuzzerInterface.h`): reads libFuzzer's flags from `argc`/`argv` and
/// fuzzes `callback`. Defined only when the program is linked with `-sanitize=fuzzer` (scripts/fuzz); a plain build
/// declares it but never calls it.
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));

#endif
