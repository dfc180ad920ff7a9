#include "CWasmtime.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const pb_wasmtime_api *pb_wasmtime_load(const char *path, char *error, size_t error_length) {
    void *library = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!library) {
        const char *reason = dlerror();
        snprintf(error, error_length, "%s", reason ? reason : "dlopen failed");
        return NULL;
    }
    if (!dlsym(library, PB_WASMTIME_VERSION_SYMBOL)) {
        snprintf(error, error_length, "%s is not Wasmtime 50.0.x (it lacks the symbol %s)", path, PB_WASMTIME_VERSION_SYMBOL);
        dlclose(library);
        return NULL;
    }
    pb_wasmtime_api *api = calloc(1, sizeof *api);
    if (!api) {
        snprintf(error, error_length, "out of memory");
        dlclose(library);
        return NULL;
    }
#define RESOLVE(name)                                                                                   \
    do {                                                                                                \
        void *symbol = dlsym(library, #name);                                                           \
        if (!symbol) {                                                                                  \
            snprintf(error, error_length, "%s does not export %s", path, #name);                        \
            free(api);                                                                                  \
            dlclose(library);                                                                           \
            return NULL;                                                                                \
        }                                                                                               \
        *(void **)(&api->name) = symbol;                                                                \
    } while (0)
    RESOLVE(wasm_config_new);
    RESOLVE(wasm_engine_new_with_config);
    RESOLVE(wasm_engine_delete);
    RESOLVE(wasm_byte_vec_delete);
    RESOLVE(wasm_valtype_new);
    RESOLVE(wasm_valtype_vec_new);
    RESOLVE(wasm_functype_new);
    RESOLVE(wasm_functype_delete);
    RESOLVE(wasm_trap_message);
    RESOLVE(wasm_trap_delete);
    RESOLVE(wasm_trap_trace);
    RESOLVE(wasm_frame_vec_delete);
    RESOLVE(wasmtime_frame_func_name);
    RESOLVE(wasm_frame_func_index);
    RESOLVE(wasmtime_config_consume_fuel_set);
    RESOLVE(wasmtime_config_epoch_interruption_set);
    RESOLVE(wasmtime_config_max_wasm_stack_set);
    RESOLVE(wasmtime_config_memory_reservation_set);
    RESOLVE(wasmtime_config_host_memory_creator_set);
    RESOLVE(wasmtime_config_memory_init_cow_set);
    RESOLVE(wasmtime_engine_increment_epoch);
    RESOLVE(wasmtime_error_message);
    RESOLVE(wasmtime_error_delete);
    RESOLVE(wasmtime_error_new);
    RESOLVE(wasmtime_trap_code);
    RESOLVE(wasmtime_trap_new);
    RESOLVE(wasmtime_store_new);
    RESOLVE(wasmtime_store_context);
    RESOLVE(wasmtime_store_delete);
    RESOLVE(wasmtime_store_limiter);
    RESOLVE(wasmtime_store_epoch_deadline_callback);
    RESOLVE(wasmtime_context_set_fuel);
    RESOLVE(wasmtime_context_get_fuel);
    RESOLVE(wasmtime_context_set_epoch_deadline);
    RESOLVE(wasmtime_module_new);
    RESOLVE(wasmtime_module_delete);
    RESOLVE(wasmtime_module_serialize);
    RESOLVE(wasmtime_module_deserialize);
    RESOLVE(wasmtime_func_new_unchecked);
    RESOLVE(wasmtime_func_call_unchecked);
    RESOLVE(wasmtime_instance_new);
    RESOLVE(wasmtime_instance_export_get);
    RESOLVE(wasmtime_memory_data);
    RESOLVE(wasmtime_memory_data_size);
#undef RESOLVE
    return api;
}
