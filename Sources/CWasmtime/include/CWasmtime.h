// The subset of Wasmtime's C API (wasm.h + wasmtime.h) Plugboard uses, declared by hand and pinned to the PyPI wheel
// wasmtime==50.0.1, which ships `_libwasmtime.so` without headers. Every declaration and layout was checked against
// that wheel's wasmtime/_bindings.py (generated from the v50 headers); the _Static_asserts pin the sizes.
//
// Nothing here links against the library: `pb_wasmtime_load` opens it with dlopen and fills a table of function
// pointers, so Plugboard builds, tests and runs without it.
#ifndef PLUGBOARD_CWASMTIME_H
#define PLUGBOARD_CWASMTIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

// Only the table's function pointers are annotated (non-null, so Swift calls them directly); the C API's own
// pointers keep C's unspecified nullability.
#pragma clang diagnostic push
#pragma clang diagnostic ignored "-Wnullability-completeness"

// ---- opaque handles ----------------------------------------------------------------------------------------------
typedef struct wasm_config_t wasm_config_t;
typedef struct wasm_engine_t wasm_engine_t;
typedef struct wasm_trap_t wasm_trap_t;
typedef struct wasm_valtype_t wasm_valtype_t;
typedef struct wasm_functype_t wasm_functype_t;
typedef struct wasmtime_store wasmtime_store_t;
typedef struct wasmtime_context wasmtime_context_t;
typedef struct wasmtime_module wasmtime_module_t;
typedef struct wasmtime_error wasmtime_error_t;
typedef struct wasmtime_caller wasmtime_caller_t;
typedef struct wasm_frame_t wasm_frame_t;

// ---- vectors -----------------------------------------------------------------------------------------------------
typedef struct wasm_byte_vec_t { size_t size; uint8_t *data; } wasm_byte_vec_t;
typedef struct wasm_valtype_vec_t { size_t size; wasm_valtype_t **data; } wasm_valtype_vec_t;
typedef struct wasm_frame_vec_t { size_t size; wasm_frame_t **data; } wasm_frame_vec_t;

// ---- store-owned items (layouts must match Rust's) ---------------------------------------------------------------
typedef struct wasmtime_func { uint64_t store_id; void *__private; } wasmtime_func_t;
typedef struct wasmtime_memory {
    struct { uint64_t store_id; uint32_t __private1; };
    uint32_t __private2;
} wasmtime_memory_t;
typedef struct wasmtime_table {
    struct { uint64_t store_id; uint32_t __private1; };
    uint32_t __private2;
} wasmtime_table_t;
typedef struct wasmtime_global {
    uint64_t store_id; uint32_t __private1; uint32_t __private2; uint32_t __private3;
} wasmtime_global_t;
typedef struct wasmtime_tag {
    struct { uint64_t store_id; uint32_t __private1; };
    uint32_t __private2;
} wasmtime_tag_t;
typedef struct wasmtime_instance { uint64_t store_id; size_t __private; } wasmtime_instance_t;

typedef uint8_t wasmtime_extern_kind_t;
#define PB_WASMTIME_EXTERN_FUNC 0
#define PB_WASMTIME_EXTERN_GLOBAL 1
#define PB_WASMTIME_EXTERN_TABLE 2
#define PB_WASMTIME_EXTERN_MEMORY 3
typedef union wasmtime_extern_union {
    wasmtime_func_t func;
    wasmtime_global_t global;
    wasmtime_table_t table;
    wasmtime_memory_t memory;
    void *sharedmemory;
    wasmtime_tag_t tag;
} wasmtime_extern_union_t;
typedef struct wasmtime_extern { wasmtime_extern_kind_t kind; wasmtime_extern_union_t of; } wasmtime_extern_t;

typedef union wasmtime_val_raw {
    int32_t i32; int64_t i64; float f32; double f64; uint8_t v128[16];
    uint32_t anyref; uint32_t externref; void *funcref;
} wasmtime_val_raw_t;

_Static_assert(sizeof(wasmtime_val_raw_t) == 16, "wasmtime_val_raw_t");
_Static_assert(sizeof(wasmtime_extern_t) == 32, "wasmtime_extern_t");
_Static_assert(sizeof(wasmtime_func_t) == 16, "wasmtime_func_t");
_Static_assert(sizeof(wasmtime_memory_t) == 24, "wasmtime_memory_t");
_Static_assert(sizeof(wasmtime_instance_t) == 16, "wasmtime_instance_t");

typedef uint8_t wasm_valkind_t;  // WASM_I32 0, WASM_I64 1, WASM_F32 2, WASM_F64 3
typedef uint8_t wasmtime_trap_code_t;
typedef uint8_t wasmtime_update_deadline_kind_t;  // 0 continue, 1 yield

typedef wasm_trap_t *(*wasmtime_func_unchecked_callback_t)(
    void *env, wasmtime_caller_t *caller, wasmtime_val_raw_t *args_and_results, size_t num_args_and_results);
typedef wasmtime_error_t *(*wasmtime_epoch_deadline_callback_t)(
    wasmtime_context_t *context, void *data, uint64_t *epoch_deadline_delta, wasmtime_update_deadline_kind_t *update_kind);
typedef void (*pb_finalizer_t)(void *);

typedef struct wasm_memorytype_t wasm_memorytype_t;
typedef uint8_t *(*wasmtime_memory_get_callback_t)(void *env, size_t *byte_size, size_t *byte_capacity);
typedef wasmtime_error_t *(*wasmtime_memory_grow_callback_t)(void *env, size_t new_size);
typedef struct wasmtime_linear_memory {
    void *env;
    wasmtime_memory_get_callback_t get_memory;
    wasmtime_memory_grow_callback_t grow_memory;
    pb_finalizer_t finalizer;
} wasmtime_linear_memory_t;
typedef wasmtime_error_t *(*wasmtime_new_memory_callback_t)(void *env, const wasm_memorytype_t *ty, size_t minimum, size_t maximum,
                                                             size_t reserved_size_in_bytes, size_t guard_size_in_bytes,
                                                             wasmtime_linear_memory_t *memory_ret);
typedef struct wasmtime_memory_creator {
    void *env;
    wasmtime_new_memory_callback_t new_memory;
    pb_finalizer_t finalizer;
} wasmtime_memory_creator_t;

/// The functions Plugboard calls, resolved from the library by `pb_wasmtime_load`.
typedef struct pb_wasmtime_api {
    wasm_config_t *(* _Nonnull wasm_config_new)(void);
    wasm_engine_t *(* _Nonnull wasm_engine_new_with_config)(wasm_config_t *);
    void (* _Nonnull wasm_engine_delete)(wasm_engine_t *);
    void (* _Nonnull wasm_byte_vec_delete)(wasm_byte_vec_t *);
    wasm_valtype_t *(* _Nonnull wasm_valtype_new)(wasm_valkind_t);
    void (* _Nonnull wasm_valtype_vec_new)(wasm_valtype_vec_t *out, size_t, wasm_valtype_t *const data[]);
    wasm_functype_t *(* _Nonnull wasm_functype_new)(wasm_valtype_vec_t *params, wasm_valtype_vec_t *results);
    void (* _Nonnull wasm_functype_delete)(wasm_functype_t *);
    void (* _Nonnull wasm_trap_message)(const wasm_trap_t *, wasm_byte_vec_t *out);
    void (* _Nonnull wasm_trap_delete)(wasm_trap_t *);
    void (* _Nonnull wasm_trap_trace)(const wasm_trap_t *, wasm_frame_vec_t *out);
    void (* _Nonnull wasm_frame_vec_delete)(wasm_frame_vec_t *);
    const wasm_byte_vec_t *(* _Nonnull wasmtime_frame_func_name)(const wasm_frame_t *);
    uint32_t (* _Nonnull wasm_frame_func_index)(const wasm_frame_t *);

    void (* _Nonnull wasmtime_config_consume_fuel_set)(wasm_config_t *, bool);
    void (* _Nonnull wasmtime_config_epoch_interruption_set)(wasm_config_t *, bool);
    void (* _Nonnull wasmtime_config_max_wasm_stack_set)(wasm_config_t *, size_t);
    void (* _Nonnull wasmtime_config_memory_reservation_set)(wasm_config_t *, uint64_t);
    void (* _Nonnull wasmtime_config_host_memory_creator_set)(wasm_config_t *, wasmtime_memory_creator_t *);
    void (* _Nonnull wasmtime_config_memory_init_cow_set)(wasm_config_t *, bool);
    void (* _Nonnull wasmtime_engine_increment_epoch)(wasm_engine_t *);

    void (* _Nonnull wasmtime_error_message)(const wasmtime_error_t *, wasm_byte_vec_t *out);
    void (* _Nonnull wasmtime_error_delete)(wasmtime_error_t *);
    wasmtime_error_t *(* _Nonnull wasmtime_error_new)(const char *);
    bool (* _Nonnull wasmtime_trap_code)(const wasm_trap_t *, wasmtime_trap_code_t *code);
    wasm_trap_t *(* _Nonnull wasmtime_trap_new)(const char *message, size_t length);

    wasmtime_store_t *(* _Nonnull wasmtime_store_new)(wasm_engine_t *, void *data, pb_finalizer_t finalizer);
    wasmtime_context_t *(* _Nonnull wasmtime_store_context)(wasmtime_store_t *);
    void (* _Nonnull wasmtime_store_delete)(wasmtime_store_t *);
    void (* _Nonnull wasmtime_store_limiter)(wasmtime_store_t *, int64_t memory_size, int64_t table_elements, int64_t instances,
                                   int64_t tables, int64_t memories);
    void (* _Nonnull wasmtime_store_epoch_deadline_callback)(wasmtime_store_t *, wasmtime_epoch_deadline_callback_t, void *data,
                                                   pb_finalizer_t finalizer);
    wasmtime_error_t *(* _Nonnull wasmtime_context_set_fuel)(wasmtime_context_t *, uint64_t fuel);
    wasmtime_error_t *(* _Nonnull wasmtime_context_get_fuel)(const wasmtime_context_t *, uint64_t *fuel);
    void (* _Nonnull wasmtime_context_set_epoch_deadline)(wasmtime_context_t *, uint64_t ticks_beyond_current);

    wasmtime_error_t *(* _Nonnull wasmtime_module_new)(wasm_engine_t *, const uint8_t *wasm, size_t length, wasmtime_module_t **out);
    void (* _Nonnull wasmtime_module_delete)(wasmtime_module_t *);
    wasmtime_error_t *(* _Nonnull wasmtime_module_serialize)(wasmtime_module_t *, wasm_byte_vec_t *out);
    wasmtime_error_t *(* _Nonnull wasmtime_module_deserialize)(wasm_engine_t *, const uint8_t *bytes, size_t length,
                                                      wasmtime_module_t **out);

    void (* _Nonnull wasmtime_func_new_unchecked)(wasmtime_context_t *, const wasm_functype_t *, wasmtime_func_unchecked_callback_t,
                                        void *env, pb_finalizer_t finalizer, wasmtime_func_t *out);
    wasmtime_error_t *(* _Nonnull wasmtime_func_call_unchecked)(wasmtime_context_t *, const wasmtime_func_t *,
                                                      wasmtime_val_raw_t *args_and_results, size_t length, wasm_trap_t **trap);
    wasmtime_error_t *(* _Nonnull wasmtime_instance_new)(wasmtime_context_t *, const wasmtime_module_t *, const wasmtime_extern_t *imports,
                                               size_t count, wasmtime_instance_t *out, wasm_trap_t **trap);
    bool (* _Nonnull wasmtime_instance_export_get)(wasmtime_context_t *, const wasmtime_instance_t *, const char *name, size_t length,
                                         wasmtime_extern_t *out);
    uint8_t *(* _Nonnull wasmtime_memory_data)(const wasmtime_context_t *, const wasmtime_memory_t *);
    size_t (* _Nonnull wasmtime_memory_data_size)(const wasmtime_context_t *, const wasmtime_memory_t *);
} pb_wasmtime_api;

/// Whether a linear memory may grow from `old_bytes` to `new_bytes`: Plugboard's quota, asked by the memories
/// `pb_wasmtime_use_quota_memories` makes (so a refused growth is known, with its size, as on WasmKit). `quota` is what
/// `pb_wasmtime_set_current_quota` set on the thread that instantiated the memory.
typedef bool (*pb_growth_decider_t)(void *quota, size_t old_bytes, size_t new_bytes);

/// One of Plugboard's linear memories. Its base never moves (the whole reservation is mapped when it is made), so
/// the host reads `base` and `size` straight from here, on the thread running the store, instead of asking Wasmtime.
typedef struct pb_quota_memory {
    uint8_t *_Nonnull base; // the reservation's start
    size_t size;            // bytes committed (readable and writable): the memory's current size
    size_t reserved;        // bytes the memory may grow to without moving
    size_t mapping;         // bytes mapped: reserved + guard
    void *_Nullable quota;
} pb_quota_memory;

/// Told of every memory made while a quota is current (see `pb_wasmtime_set_current_quota`); the memory lives until
/// its store is deleted.
typedef void (*pb_memory_registrar_t)(void *_Nonnull quota, pb_quota_memory *_Nonnull memory);

/// Makes every linear memory of engines built from `config` one of Plugboard's: reserved and guarded as Wasmtime
/// asks, committed as it grows, each growth first allowed by `decider` (a refusal makes `memory.grow` answer -1), each
/// new memory given to `registrar`.
void pb_wasmtime_use_quota_memories(
    const pb_wasmtime_api *api, wasm_config_t *config, pb_growth_decider_t decider, pb_memory_registrar_t registrar);

/// The quota memories instantiated on this thread from now on answer to (NULL: none, every growth allowed).
void pb_wasmtime_set_current_quota(void *quota);

/// The symbol only Wasmtime 50.0.x's library exports: checked at load, so another version is refused, not misread.
#define PB_WASMTIME_VERSION_SYMBOL "set_vmctx_memory_50_0_0"

/// Opens the library at `path` (RTLD_NOW | RTLD_LOCAL), checks its version symbol and resolves every function.
/// Returns the table (allocated once, never freed: the library stays loaded for the life of the process), or NULL
/// after writing what failed into `error` (NUL-terminated).
const pb_wasmtime_api *pb_wasmtime_load(const char *path, char *error, size_t error_length);

#pragma clang diagnostic pop

#endif
