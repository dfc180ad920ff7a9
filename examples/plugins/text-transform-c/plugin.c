/*
 * text-transform-c: an example Plugboard plugin written in C.
 *
 * It implements the WIT world `plugboard:plugin/plugin-world@1.0.0`
 * (wit/plugin.wit) as a plain core WebAssembly module (wasm32-wasip1,
 * reactor). There is no wit-bindgen here, so the canonical-ABI glue is
 * written by hand below; see shared note default-world-abi.md for the
 * layouts. Every struct that crosses the boundary has _Static_asserts
 * pinning its size and field offsets to the canonical ABI.
 *
 * Behaviour:
 *   get-metadata  -> {"text-transform-c", "1.0.0", "Uppercases text or counts its words"}
 *   initialize    -> logs "initialized with N config entries"; err if a key "fail" is present
 *   process       -> option "mode" (last one wins, default "uppercase"):
 *                    "uppercase" (ASCII only) or "wordcount"; optional config "prefix"
 *   shutdown      -> logs "shutting down"
 *
 * Memory ownership (canonical ABI conventions, as wit-bindgen does it):
 *   - Arguments the host lowers into our memory (via cabi_realloc) belong to
 *     us; we free them before returning.
 *   - Strings the host returns from imports (get-config's value, error
 *     strings) are allocated with our cabi_realloc and freed by us.
 *   - Results we return stay alive until the host calls cabi_post_<export>.
 *   - A zero-length allocation is never a real heap block (cabi_realloc
 *     returns a dangling aligned pointer), so we only free when len > 0.
 *
 * Build: ./build.sh (uses ../../../scripts/wasm-cc). Output: plugin.wasm.
 */
#include <stdalign.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PLUGIN_NAME "text-transform-c"
#define PLUGIN_VERSION "1.0.0"
#define PLUGIN_DESCRIPTION "Uppercases text or counts its words"

#define EXPORT(name) __attribute__((export_name(name)))
#define API_EXPORT(fn) EXPORT("plugboard:plugin/plugin-api@1.0.0#" fn)
#define HOST_IMPORT(fn) \
    __attribute__((import_module("plugboard:plugin/host-api@1.0.0"), import_name(fn)))

/* ------------------------------------------------------------------------
 * Canonical-ABI types (wasm32: pointers and size_t are 32-bit)
 * ---------------------------------------------------------------------- */

/* string: ptr @0, len @4 (size 8, align 4). Bytes are UTF-8, not NUL-terminated. */
typedef struct {
    const uint8_t *ptr;
    size_t len;
} cabi_string;

/* tuple<string, string>: key @0/@4, value @8/@12 (size 16, align 4). */
typedef struct {
    cabi_string key;
    cabi_string value;
} cabi_pair;

/* result<_, string>: tag u8 @0 (0 ok, 1 err), err string @4/@8 (size 12). */
typedef struct {
    uint8_t tag;
    cabi_string err;
} cabi_result_string;

/* option<string>: tag u8 @0 (0 none, 1 some), string @4/@8 (size 12). */
typedef struct {
    uint8_t tag;
    cabi_string value;
} cabi_option_string;

/* process-response: output @0/@4, success u8 @8, error-message option @12
 * (tag @12, ptr @16, len @20). Size 24, align 4. */
typedef struct {
    cabi_string output;
    uint8_t success;
    cabi_option_string error_message;
} cabi_process_response;

/* plugin-metadata: name @0/@4, version @8/@12, description @16/@20. */
typedef struct {
    cabi_string name;
    cabi_string version;
    cabi_string description;
} cabi_metadata;

_Static_assert(sizeof(void *) == 4, "wasm32 only");
_Static_assert(sizeof(cabi_string) == 8 && alignof(cabi_string) == 4, "string layout");
_Static_assert(sizeof(cabi_pair) == 16 && offsetof(cabi_pair, value) == 8, "tuple layout");
_Static_assert(sizeof(cabi_result_string) == 12 && offsetof(cabi_result_string, err) == 4,
               "result<_, string> layout");
_Static_assert(sizeof(cabi_option_string) == 12 && offsetof(cabi_option_string, value) == 4,
               "option<string> layout");
_Static_assert(sizeof(cabi_process_response) == 24 &&
                   offsetof(cabi_process_response, success) == 8 &&
                   offsetof(cabi_process_response, error_message) == 12,
               "process-response layout");
_Static_assert(sizeof(cabi_metadata) == 24 && offsetof(cabi_metadata, description) == 16,
               "plugin-metadata layout");

/* ------------------------------------------------------------------------
 * Host imports (interface host-api). Each result is written by the host at
 * `ret`, the last (pointer) argument.
 * ---------------------------------------------------------------------- */

HOST_IMPORT("log-message")
extern void host_log_message(const uint8_t *level, size_t level_len,
                             const uint8_t *msg, size_t msg_len, cabi_result_string *ret);

HOST_IMPORT("get-config")
extern void host_get_config(const uint8_t *key, size_t key_len, cabi_option_string *ret);

HOST_IMPORT("emit-event")
extern void host_emit_event(const uint8_t *type, size_t type_len,
                            const uint8_t *payload, size_t payload_len, cabi_result_string *ret);

/* ------------------------------------------------------------------------
 * Memory: cabi_realloc and small string helpers
 * ---------------------------------------------------------------------- */

/* Called by the host to allocate (old_ptr == NULL / old_size == 0) or
 * resize memory in this module, e.g. to lower arguments. Backed by
 * wasi-libc's malloc, whose blocks are 16-byte aligned (enough for every
 * canonical-ABI type, whose alignment is at most 8). */
EXPORT("cabi_realloc")
void *cabi_realloc(void *old_ptr, size_t old_size, size_t align, size_t new_size) {
    if (new_size == 0) {
        if (old_size != 0)
            free(old_ptr);
        return (void *)align; /* dangling, aligned, never freed */
    }
    void *p;
    if (align > alignof(max_align_t)) {
        if (posix_memalign(&p, align, new_size) != 0)
            abort();
        if (old_size != 0) {
            memcpy(p, old_ptr, old_size < new_size ? old_size : new_size);
            free(old_ptr);
        }
        return p;
    }
    p = old_size != 0 ? realloc(old_ptr, new_size) : malloc(new_size);
    if (p == NULL)
        abort(); /* traps: the host reports the failed call */
    return p;
}

/* Frees a string that was allocated with cabi_realloc (by us or the host). */
static void free_string(cabi_string s) {
    if (s.len != 0)
        free((void *)s.ptr);
}

/* A string literal viewed as a cabi_string (static: never freed). */
#define LIT(s) ((cabi_string){(const uint8_t *)(s), sizeof(s) - 1})
/* Static empty string: a valid address with len 0, so nothing to free. */
static const uint8_t empty_bytes[1];
#define EMPTY ((cabi_string){empty_bytes, 0})

static bool string_equals(cabi_string s, const char *lit) {
    size_t n = strlen(lit);
    return s.len == n && memcmp(s.ptr, lit, n) == 0;
}

/* Allocates `len` bytes for a string we return (freed in cabi_post_*). */
static uint8_t *alloc_bytes(size_t len) {
    return len == 0 ? (uint8_t *)empty_bytes : cabi_realloc(NULL, 0, 1, len);
}

/* New heap string a + b (either may be empty). */
static cabi_string concat(cabi_string a, cabi_string b) {
    size_t len = a.len + b.len;
    if (len == 0)
        return EMPTY;
    uint8_t *p = alloc_bytes(len);
    memcpy(p, a.ptr, a.len);
    memcpy(p + a.len, b.ptr, b.len);
    return (cabi_string){p, len};
}

/* New heap string from a printf-style format (for numbers in messages). */
__attribute__((format(printf, 1, 2)))
static cabi_string format_string(const char *fmt, ...) {
    char buf[128];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n < 0)
        n = 0;
    if ((size_t)n >= sizeof buf)
        n = sizeof buf - 1;
    return concat((cabi_string){(const uint8_t *)buf, (size_t)n}, EMPTY);
}

/* Frees a list<tuple<string,string>> argument the host lowered into us. */
static void free_pairs(cabi_pair *pairs, size_t count) {
    for (size_t i = 0; i < count; i++) {
        free_string(pairs[i].key);
        free_string(pairs[i].value);
    }
    if (count != 0)
        free(pairs);
}

/* ------------------------------------------------------------------------
 * Host call helpers
 * ---------------------------------------------------------------------- */

/* log-message; a returned error string is freed and otherwise ignored. */
static void log_message(cabi_string level, cabi_string msg) {
    cabi_result_string ret;
    host_log_message(level.ptr, level.len, msg.ptr, msg.len, &ret);
    if (ret.tag == 1)
        free_string(ret.err);
}

/* emit-event; a returned error string is freed and otherwise ignored. */
static void emit_event(cabi_string type, cabi_string payload) {
    cabi_result_string ret;
    host_emit_event(type.ptr, type.len, payload.ptr, payload.len, &ret);
    if (ret.tag == 1)
        free_string(ret.err);
}

/* get-config; returns true and the (caller-owned) value if the key exists. */
static bool get_config(cabi_string key, cabi_string *value) {
    cabi_option_string ret;
    host_get_config(key.ptr, key.len, &ret);
    if (ret.tag != 1)
        return false;
    *value = ret.value;
    return true;
}

/* ------------------------------------------------------------------------
 * The text transforms
 * ---------------------------------------------------------------------- */

/* ASCII a-z -> A-Z; every other byte (including UTF-8) unchanged. */
static cabi_string to_upper_ascii(cabi_string in) {
    uint8_t *out = alloc_bytes(in.len);
    for (size_t i = 0; i < in.len; i++) {
        uint8_t c = in.ptr[i];
        out[i] = (c >= 'a' && c <= 'z') ? (uint8_t)(c - 'a' + 'A') : c;
    }
    return (cabi_string){out, in.len};
}

static bool is_space(uint8_t c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Number of maximal runs of non-whitespace bytes. */
static size_t count_words(cabi_string in) {
    size_t words = 0;
    bool in_word = false;
    for (size_t i = 0; i < in.len; i++) {
        bool space = is_space(in.ptr[i]);
        if (!space && !in_word)
            words++;
        in_word = !space;
    }
    return words;
}

/* ------------------------------------------------------------------------
 * Exports (interface plugin-api)
 * ---------------------------------------------------------------------- */

static size_t config_entries; /* remembered from initialize */

/* Result areas: we return a pointer to one of these. Each export's result is
 * only read by the host before the next call, so static storage is enough. */
static cabi_result_string init_result;
static cabi_result_string shutdown_result;
static cabi_process_response process_result;
static cabi_metadata metadata_result;

/* initialize: func(config: list<tuple<string, string>>) -> result<_, string> */
API_EXPORT("initialize")
cabi_result_string *plugin_initialize(cabi_pair *config, size_t count) {
    bool fail = false;
    for (size_t i = 0; i < count; i++)
        if (string_equals(config[i].key, "fail"))
            fail = true;
    config_entries = count;

    /* Goes through WASI fd_write: exercises the host's WASI layer. */
    fprintf(stderr, "%s: initialized\n", PLUGIN_NAME);

    cabi_string msg = format_string("initialized with %zu config entries", count);
    log_message(LIT("info"), msg);
    free_string(msg);
    free_pairs(config, count);

    if (fail)
        init_result = (cabi_result_string){1, LIT("initialize failed: requested by config")};
    else
        init_result = (cabi_result_string){0, EMPTY};
    return &init_result; /* static strings only: no cabi_post needed */
}

/* process: func(req: process-request) -> process-response
 * The record argument is flattened: input (ptr, len), options (ptr, len). */
API_EXPORT("process")
cabi_process_response *plugin_process(const uint8_t *input_ptr, size_t input_len,
                                      cabi_pair *options, size_t options_count) {
    cabi_string input = {input_ptr, input_len};

    /* Option "mode": the last occurrence wins. */
    cabi_string mode = LIT("uppercase");
    for (size_t i = 0; i < options_count; i++)
        if (string_equals(options[i].key, "mode"))
            mode = options[i].value;

    cabi_process_response *res = &process_result;
    res->success = 1;
    res->error_message = (cabi_option_string){0, EMPTY};
    if (string_equals(mode, "uppercase")) {
        res->output = to_upper_ascii(input);
    } else if (string_equals(mode, "wordcount")) {
        res->output = format_string("%zu", count_words(input));
    } else {
        res->output = EMPTY;
        res->success = 0;
        res->error_message = (cabi_option_string){1, concat(LIT("unknown mode: "), mode)};
    }

    if (res->success) {
        cabi_string prefix;
        if (get_config(LIT("prefix"), &prefix)) {
            cabi_string prefixed = concat(prefix, res->output);
            free_string(res->output);
            free_string(prefix);
            res->output = prefixed;
        }
    }

    cabi_string msg = format_string("processed %zu bytes", input.len);
    log_message(LIT("debug"), msg);
    free_string(msg);
    if (res->success)
        emit_event(LIT("processed"), mode);

    /* `mode` may point into `options`: free the arguments last. */
    free_string(input);
    free_pairs(options, options_count);
    return res;
}

/* Called by the host after it has read process's result. */
EXPORT("cabi_post_plugboard:plugin/plugin-api@1.0.0#process")
void plugin_post_process(cabi_process_response *res) {
    free_string(res->output);
    if (res->error_message.tag == 1)
        free_string(res->error_message.value);
    *res = (cabi_process_response){0};
}

/* shutdown: func() -> result<_, string> */
API_EXPORT("shutdown")
cabi_result_string *plugin_shutdown(void) {
    log_message(LIT("info"), LIT("shutting down"));
    shutdown_result = (cabi_result_string){0, EMPTY};
    return &shutdown_result;
}

/* get-metadata: func() -> plugin-metadata (static strings: no cabi_post) */
API_EXPORT("get-metadata")
cabi_metadata *plugin_get_metadata(void) {
    metadata_result = (cabi_metadata){
        LIT(PLUGIN_NAME), LIT(PLUGIN_VERSION), LIT(PLUGIN_DESCRIPTION)};
    return &metadata_result;
}
