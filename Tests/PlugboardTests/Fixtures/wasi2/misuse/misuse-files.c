// The files half of the misuse program (world misuse-files): hands the host a path exactly as given, with no wasi-libc
// in between to refuse it first, and describes what the host answered.
#include <string.h>
#include "misuse_files.h"

static misuse_files_string_t answer(const char *text) {
    misuse_files_string_t result;
    misuse_files_string_dup(&result, text);
    return result;
}

static const char *error_name(misuse_files_error_code_t code) {
    switch (code) {
    case MISUSE_FILES_ERROR_CODE_ACCESS: return "access";
    case MISUSE_FILES_ERROR_CODE_NOT_PERMITTED: return "not-permitted";
    case MISUSE_FILES_ERROR_CODE_NO_ENTRY: return "no-entry";
    case MISUSE_FILES_ERROR_CODE_LOOP: return "loop";
    case MISUSE_FILES_ERROR_CODE_READ_ONLY: return "read-only";
    case MISUSE_FILES_ERROR_CODE_INVALID: return "invalid";
    default: return "other";
    }
}

// "open:PATH" (read) or "create:PATH" (create, write) beneath the first granted directory.
misuse_files_string_t exports_misuse_files_run(misuse_files_string_t what_arg) {
    char what[256] = {0};
    memcpy(what, what_arg.ptr, what_arg.len < sizeof what - 1 ? what_arg.len : sizeof what - 1);
    misuse_files_string_free(&what_arg);
    int create = strncmp(what, "create:", 7) == 0;
    if (!create && strncmp(what, "open:", 5) != 0) return answer("unknown");
    const char *path = strchr(what, ':') + 1;

    misuse_files_list_tuple2_own_descriptor_string_t preopens = misuse_files_preopens_get_directories();
    if (preopens.len == 0) {
        misuse_files_list_tuple2_own_descriptor_string_free(&preopens);
        return answer("no directory");
    }
    misuse_files_string_t name = {(uint8_t *)path, strlen(path)};
    misuse_files_result_own_descriptor_error_code_t opened = misuse_files_types_method_descriptor_open_at(
        misuse_files_borrow_descriptor(preopens.ptr[0].f0), 0, name, create ? MISUSE_FILES_OPEN_FLAGS_CREATE : 0,
        create ? MISUSE_FILES_DESCRIPTOR_FLAGS_WRITE : MISUSE_FILES_DESCRIPTOR_FLAGS_READ);
    for (size_t i = 0; i < preopens.len; i++) misuse_files_descriptor_drop_own(preopens.ptr[i].f0);
    misuse_files_list_tuple2_own_descriptor_string_free(&preopens);
    if (opened.is_err) return answer(error_name(opened.val.err));
    misuse_files_descriptor_drop_own(opened.val.ok);
    return answer("ok");
}
