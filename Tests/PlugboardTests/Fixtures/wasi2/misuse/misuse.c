// A plugin using WASI 0.2 directly, as a cargo wasip2 or wit-bindgen program does, on bindings generated from
// wit/world.wit: each `run` misuses WASI in one way and describes what the host answered.
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "misuse.h"

static misuse_string_t answer(const char *text) {
    misuse_string_t result;
    misuse_string_dup(&result, text);
    return result;
}

static const char *error_code_name(misuse_error_code_t code) {
    switch (code) {
    case MISUSE_ERROR_CODE_ACCESS_DENIED: return "access-denied";
    case MISUSE_ERROR_CODE_NOT_SUPPORTED: return "not-supported";
    default: return "other";
    }
}

// "tcp", "udp", "lookup": open a socket or resolve a name; answers "ok" or the error code's name.
static const char *sockets(const char *what) {
    if (strcmp(what, "tcp") == 0) {
        misuse_result_own_tcp_socket_error_code_t result = misuse_tcp_create_socket_create_tcp_socket(MISUSE_IP_ADDRESS_FAMILY_IPV4);
        if (!result.is_err) { misuse_tcp_socket_drop_own(result.val.ok); return "ok"; }
        return error_code_name(result.val.err);
    }
    if (strcmp(what, "udp") == 0) {
        misuse_result_own_udp_socket_error_code_t result = misuse_udp_create_socket_create_udp_socket(MISUSE_IP_ADDRESS_FAMILY_IPV6);
        if (!result.is_err) { misuse_udp_socket_drop_own(result.val.ok); return "ok"; }
        return error_code_name(result.val.err);
    }
    misuse_own_network_t network = misuse_instance_network_instance_network();
    misuse_result_own_resolve_address_stream_error_code_t result =
        misuse_ip_name_lookup_resolve_addresses(misuse_borrow_network(network), MISUSE_STRING_LITERAL("example.com"));
    misuse_network_drop_own(network);
    if (!result.is_err) { misuse_resolve_address_stream_drop_own(result.val.ok); return "ok"; }
    return error_code_name(result.val.err);
}

static const char *write_stdout(misuse_list_u8_t contents) {
    misuse_own_output_stream_t out = misuse_stdout_get_stdout();
    misuse_result_void_stream_error_t result = misuse_streams_method_output_stream_write(misuse_borrow_output_stream(out), contents);
    misuse_output_stream_drop_own(out);
    if (!result.is_err) return "written";
    if (result.val.err.tag == MISUSE_STREAM_ERROR_LAST_OPERATION_FAILED) misuse_error_drop_own(result.val.err.val.last_operation_failed);
    return "stream-error";
}

misuse_string_t exports_misuse_run(misuse_string_t what_arg) {
    char what[64] = {0};
    memcpy(what, what_arg.ptr, what_arg.len < sizeof what - 1 ? what_arg.len : sizeof what - 1);
    misuse_string_free(&what_arg);
    if (strcmp(what, "tcp") == 0 || strcmp(what, "udp") == 0 || strcmp(what, "lookup") == 0) return answer(sockets(what));
    if (strcmp(what, "handles") == 0) {
        // Stdout handles made and never dropped, until the host refuses one (the call then fails).
        for (;;) (void)misuse_stdout_get_stdout();
    }
    if (strcmp(what, "bad-pointer") == 0) {
        // A write of 100 bytes from 16 bytes below the end of the 32-bit address space.
        misuse_list_u8_t outside = {(uint8_t *)(uintptr_t)0xFFFFFFF0u, 100};
        return answer(write_stdout(outside));
    }
    if (strcmp(what, "hi") == 0) {
        misuse_list_u8_t hi = {(uint8_t *)"hi\n", 3};
        return answer(write_stdout(hi));
    }
    if (strcmp(what, "printf") == 0) {
        // Through wasi-libc and the adapter, beside the program's own WASI 0.2 calls.
        printf("through wasi-libc\n");
        fflush(stdout);
        return answer("printed");
    }
    return answer("unknown");
}
