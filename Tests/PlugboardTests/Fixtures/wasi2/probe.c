// The probe plugin: each probe uses WASI through wasi-libc as any C program does and describes what it saw. As a
// core module that is WASI preview 1; adapted into a component it is WASI 0.2 (the tests compare the two).
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <wasi/api.h>
#include "probe.h"

extern char **environ;

static probe_string_t answer(const char *text) {
    probe_string_t result;
    probe_string_dup(&result, text);
    return result;
}

static int starts_with(const char *text, const char *prefix) { return strncmp(text, prefix, strlen(prefix)) == 0; }

probe_string_t exports_probe_probe(probe_string_t what_string) {
    char what[256] = {0};
    memcpy(what, what_string.ptr, what_string.len < sizeof what - 1 ? what_string.len : sizeof what - 1);
    probe_string_free(&what_string);
    static char out[4096];
    out[0] = 0;

    if (strcmp(what, "env") == 0) {
        // Every variable, in the order the host serves them.
        for (char **entry = environ; entry && *entry; entry++) {
            strncat(out, *entry, sizeof out - strlen(out) - 2);
            strcat(out, ";");
        }
    } else if (strcmp(what, "args") == 0) {
        size_t count = 0, size = 0;
        if (__wasi_args_sizes_get(&count, &size) != 0 || count > 16 || size > 1024) return answer("args: error");
        char *argv[16];
        char buffer[1024];
        if (__wasi_args_get((uint8_t **)argv, (uint8_t *)buffer) != 0) return answer("args: error");
        for (size_t i = 0; i < count; i++) {
            strncat(out, argv[i], sizeof out - strlen(out) - 2);
            strcat(out, ";");
        }
    } else if (starts_with(what, "stdout:")) {
        printf("%s\n", what + 7);
        fflush(stdout);
        strcpy(out, "written");
    } else if (starts_with(what, "stderr:")) {
        fprintf(stderr, "%s\n", what + 7);
        strcpy(out, "written");
    } else if (strcmp(what, "stdin") == 0) {
        char buffer[16];
        ssize_t got = read(0, buffer, sizeof buffer);
        snprintf(out, sizeof out, "read %zd", got);
    } else if (strcmp(what, "wall-clock") == 0) {
        struct timespec now = {0};
        int status = clock_gettime(CLOCK_REALTIME, &now);
        snprintf(out, sizeof out, "%s", status == 0 && now.tv_sec > 1700000000 ? "now" : status == 0 && now.tv_sec == 0 ? "zero" : "error");
    } else if (strcmp(what, "monotonic-clock") == 0) {
        struct timespec first = {0}, second = {0};
        int status = clock_gettime(CLOCK_MONOTONIC, &first) | clock_gettime(CLOCK_MONOTONIC, &second);
        int ordered = second.tv_sec > first.tv_sec || (second.tv_sec == first.tv_sec && second.tv_nsec >= first.tv_nsec);
        int zero = first.tv_sec == 0 && first.tv_nsec == 0;
        snprintf(out, sizeof out, "%s", status != 0 ? "error" : zero ? "zero" : ordered ? "ordered" : "backwards");
    } else if (strcmp(what, "random") == 0) {
        unsigned char bytes[32] = {0};
        if (getentropy(bytes, sizeof bytes) != 0) return answer("random: error");
        int zeros = 0;
        for (size_t i = 0; i < sizeof bytes; i++) zeros += bytes[i] == 0;
        snprintf(out, sizeof out, "%s", zeros == (int)sizeof bytes ? "zeros" : zeros < 8 ? "random" : "suspicious");
    } else if (starts_with(what, "open:")) {
        int fd = open(what + 5, O_RDONLY);
        snprintf(out, sizeof out, "%s", fd >= 0 ? "opened" : errno == ENOENT ? "ENOENT" : errno == ENOTCAPABLE ? "ENOTCAPABLE" : "other error");
    } else if (starts_with(what, "exit:")) {
        exit(atoi(what + 5));
    } else {
        snprintf(out, sizeof out, "unknown probe '%s'", what);
    }
    return answer(out);
}
