// The component exporting wasi:cli/run (built as a reactor on bindings generated for run.wit and adapted to WASI
// 0.2): run reads its arguments as a command's main would get them and runs the actions (see actions.c).
#include <stdlib.h>
#include <wasi/api.h>
#include "actions.h"
#include "command_run.h"

command_run_result_void_void_t exports_command_run_run_run(void) {
    command_run_result_void_void_t failed = {.is_err = true};
    size_t count = 0, size = 0;
    if (__wasi_args_sizes_get(&count, &size) != 0) return failed;
    char **argv = calloc(count + 1, sizeof *argv);
    char *buffer = malloc(size ? size : 1);
    if (!argv || !buffer || __wasi_args_get((uint8_t **)argv, (uint8_t *)buffer) != 0) return failed;
    int status = perform((int)count, argv);
    free(argv);
    free(buffer);
    return (command_run_result_void_void_t){.is_err = status != 0};
}
