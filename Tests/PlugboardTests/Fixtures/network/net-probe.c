// net-probe: a plugin for HTTPFetchTests, in C on bindings generated for plugboard:plugin/plugin-world-http.
//
// process fetches the URL given as its input (method from the "method" option, default GET; body from the
// "body" option; one request header per "header" option, written "name: value") and reports
//   "status=<code> body=<body>"        for a response (success = true), or
//   "<error-case>: <detail>"           for a fetch-error (success = false).
#include "plugin_world_http.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef plugin_world_http_string_t string_t;

static int equals(string_t s, const char *text) {
    size_t n = strlen(text);
    return s.len == n && memcmp(s.ptr, text, n) == 0;
}

plugin_world_http_result_void_string_t exports_plugin_world_http_plugin_api_initialize(plugin_world_http_list_tuple2_string_string_t config) {
    plugin_world_http_list_tuple2_string_string_free(&config);
    plugin_world_http_result_void_string_t ok = {.is_err = false};
    return ok;
}

plugin_world_http_result_void_string_t exports_plugin_world_http_plugin_api_shutdown(void) {
    plugin_world_http_result_void_string_t ok = {.is_err = false};
    return ok;
}

plugin_world_http_plugin_metadata_t exports_plugin_world_http_plugin_api_get_metadata(void) {
    plugin_world_http_plugin_metadata_t metadata;
    plugin_world_http_string_dup(&metadata.name, "net-probe");
    plugin_world_http_string_dup(&metadata.version, "1.0.0");
    plugin_world_http_string_dup(&metadata.description, "fetches the URL it is given");
    return metadata;
}

/// Appends to a growing malloc buffer.
typedef struct { char *data; size_t len, cap; } buffer_t;

static void append(buffer_t *b, const void *bytes, size_t n) {
    if (b->len + n + 1 > b->cap) {
        b->cap = (b->len + n + 1) * 2;
        b->data = realloc(b->data, b->cap);
    }
    memcpy(b->data + b->len, bytes, n);
    b->len += n;
}

static void append_text(buffer_t *b, const char *text) { append(b, text, strlen(text)); }

plugin_world_http_process_response_t exports_plugin_world_http_plugin_api_process(plugin_world_http_process_request_t req) {
    plugin_world_http_request_t request;
    memset(&request, 0, sizeof request);
    request.method = PLUGIN_WORLD_HTTP_STRING_LITERAL("GET");
    request.url = req.input;
    plugin_world_http_tuple2_string_string_t headers[8];
    size_t header_count = 0;
    for (size_t i = 0; i < req.options.len; i++) {
        plugin_world_http_tuple2_string_string_t option = req.options.ptr[i];
        if (equals(option.f0, "method")) request.method = option.f1;
        if (equals(option.f0, "body")) {
            request.body.ptr = option.f1.ptr;
            request.body.len = option.f1.len;
        }
        if (equals(option.f0, "header") && header_count < 8) {
            uint8_t *colon = memchr(option.f1.ptr, ':', option.f1.len);
            if (colon) {
                size_t name_len = (size_t)(colon - option.f1.ptr);
                size_t value_start = name_len + 1;
                while (value_start < option.f1.len && option.f1.ptr[value_start] == ' ') value_start++;
                headers[header_count].f0 = (string_t){option.f1.ptr, name_len};
                headers[header_count].f1 = (string_t){option.f1.ptr + value_start, option.f1.len - value_start};
                header_count++;
            }
        }
    }
    request.headers.ptr = headers;
    request.headers.len = header_count;

    plugin_world_http_result_response_fetch_error_t result = plugin_world_http_outgoing_http_fetch(request);

    buffer_t out = {0};
    char number[64];
    bool success = !result.is_err;
    if (!result.is_err) {
        snprintf(number, sizeof number, "status=%u body=", (unsigned)result.val.ok.status);
        append_text(&out, number);
        append(&out, result.val.ok.body.ptr, result.val.ok.body.len);
    } else {
        plugin_world_http_fetch_error_t error = result.val.err;
        switch (error.tag) {
        case PLUGIN_WORLD_HTTP_FETCH_ERROR_DENIED:
            append_text(&out, "denied: ");
            append(&out, error.val.denied.ptr, error.val.denied.len);
            break;
        case PLUGIN_WORLD_HTTP_FETCH_ERROR_INVALID_REQUEST:
            append_text(&out, "invalid-request: ");
            append(&out, error.val.invalid_request.ptr, error.val.invalid_request.len);
            break;
        case PLUGIN_WORLD_HTTP_FETCH_ERROR_NAME_NOT_RESOLVED:
            append_text(&out, "name-not-resolved: ");
            append(&out, error.val.name_not_resolved.ptr, error.val.name_not_resolved.len);
            break;
        case PLUGIN_WORLD_HTTP_FETCH_ERROR_CONNECTION_FAILED:
            append_text(&out, "connection-failed: ");
            append(&out, error.val.connection_failed.ptr, error.val.connection_failed.len);
            break;
        case PLUGIN_WORLD_HTTP_FETCH_ERROR_TIMEOUT:
            append_text(&out, "timeout");
            break;
        case PLUGIN_WORLD_HTTP_FETCH_ERROR_TOO_LARGE:
            snprintf(number, sizeof number, "too-large: %llu", (unsigned long long)error.val.too_large);
            append_text(&out, number);
            break;
        default:
            append_text(&out, "unknown fetch-error");
        }
    }
    plugin_world_http_result_response_fetch_error_free(&result);
    plugin_world_http_process_request_free(&req);

    plugin_world_http_process_response_t response;
    plugin_world_http_string_dup_n(&response.output, out.len ? out.data : "", out.len);
    free(out.data);
    response.success = success;
    response.error_message.is_some = false;
    return response;
}
