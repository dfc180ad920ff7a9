// Linear memories that ask Plugboard before they grow (see pb_wasmtime_use_quota_memories in CWasmtime.h).
#include "CWasmtime.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static const pb_wasmtime_api *quota_api;
static pb_growth_decider_t quota_decider;
static pb_memory_registrar_t quota_registrar;
static _Thread_local void *current_quota;

void pb_wasmtime_set_current_quota(void *quota) { current_quota = quota; }

typedef pb_quota_memory quota_memory;

static uint8_t *quota_memory_get(void *env, size_t *byte_size, size_t *byte_capacity) {
    quota_memory *memory = env;
    *byte_size = memory->size;
    *byte_capacity = memory->reserved;
    return memory->base;
}

static wasmtime_error_t *quota_memory_grow(void *env, size_t new_size) {
    quota_memory *memory = env;
    if (new_size <= memory->size) return NULL;
    if (new_size > memory->reserved) return quota_api->wasmtime_error_new("memory growth past its reservation");
    if (memory->quota && !quota_decider(memory->quota, memory->size, new_size)) {
        return quota_api->wasmtime_error_new("memory growth past the plugin's quota");
    }
    if (mprotect(memory->base, new_size, PROT_READ | PROT_WRITE) != 0) {
        return quota_api->wasmtime_error_new("the host could not commit the memory");
    }
    memory->size = new_size;
    return NULL;
}

static void quota_memory_free(void *env) {
    quota_memory *memory = env;
    munmap(memory->base, memory->mapping);
    free(memory);
}

static wasmtime_error_t *quota_memory_new(void *env, const wasm_memorytype_t *type, size_t minimum, size_t maximum, size_t reserved,
                                          size_t guard, wasmtime_linear_memory_t *out) {
    (void)env;
    (void)type;
    if (reserved < minimum) reserved = maximum < ((size_t)1 << 32) ? maximum : ((size_t)1 << 32);
    if (reserved < minimum) return quota_api->wasmtime_error_new("memory minimum larger than its reservation");
    void *quota = current_quota;
    if (quota && !quota_decider(quota, 0, minimum)) return quota_api->wasmtime_error_new("memory minimum size exceeds memory limits");
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    size_t mapping = ((reserved + guard + page - 1) / page) * page;
    if (mapping == 0) mapping = page;
    void *base = mmap(NULL, mapping, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (base == MAP_FAILED) return quota_api->wasmtime_error_new("the host could not reserve the memory");
    if (minimum > 0 && mprotect(base, minimum, PROT_READ | PROT_WRITE) != 0) {
        munmap(base, mapping);
        return quota_api->wasmtime_error_new("the host could not commit the memory");
    }
    quota_memory *memory = calloc(1, sizeof *memory);
    if (!memory) {
        munmap(base, mapping);
        return quota_api->wasmtime_error_new("out of host memory");
    }
    *memory = (quota_memory){.base = base, .size = minimum, .reserved = reserved, .mapping = mapping, .quota = quota};
    out->env = memory;
    out->get_memory = quota_memory_get;
    out->grow_memory = quota_memory_grow;
    out->finalizer = quota_memory_free;
    if (quota) quota_registrar(quota, memory);
    return NULL;
}

void pb_wasmtime_use_quota_memories(
    const pb_wasmtime_api *api, wasm_config_t *config, pb_growth_decider_t decider, pb_memory_registrar_t registrar) {
    quota_api = api;
    quota_decider = decider;
    quota_registrar = registrar;
    wasmtime_memory_creator_t creator = {.env = NULL, .new_memory = quota_memory_new, .finalizer = NULL};
    api->wasmtime_config_host_memory_creator_set(config, &creator);
    // Copy-on-write memory images need Wasmtime's own mmap memories; data segments are copied in instead.
    api->wasmtime_config_memory_init_cow_set(config, false);
}
