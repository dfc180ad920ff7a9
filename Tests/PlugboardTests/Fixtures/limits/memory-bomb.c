// memory-bomb: a wasi-libc reactor whose `bomb` export mallocs and touches 1 MiB chunks until malloc fails, then
// aborts, the way a C plugin with a leak ends. Built by LimitsTests with scripts/wasm-cc.
#include <stdlib.h>
#include <string.h>

// Every chunk is linked from a global, so the compiler cannot elide the allocations (it may drop a malloc whose
// memory is never read, and then the loop never ends).
void *volatile kept;

__attribute__((export_name("bomb"))) unsigned bomb(void) {
    unsigned chunks = 0;
    for (;;) {
        char *chunk = malloc(1 << 20);
        if (!chunk) abort();
        memset(chunk, chunks & 0xFF, 1 << 20);
        *(void **)chunk = kept;
        kept = chunk;
        chunks++;
    }
}
