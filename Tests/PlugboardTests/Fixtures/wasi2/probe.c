// The probe plugin: each probe uses WASI through wasi-libc as any C program does and describes what it saw. As a
// core module that is WASI preview 1; adapted into a component it is WASI 0.2 (the tests compare the two).
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>
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

// The name of an errno, as the tests compare them.
static const char *errno_name(int code) {
    switch (code) {
    case ENOENT: return "ENOENT";
    case EROFS: return "EROFS";
    case ENOTCAPABLE: return "ENOTCAPABLE";
    case EPERM: return "EPERM";
    case ELOOP: return "ELOOP";
    case EEXIST: return "EEXIST";
    case ENOTDIR: return "ENOTDIR";
    case EISDIR: return "EISDIR";
    case EACCES: return "EACCES";
    case EBADF: return "EBADF";
    case ENOTEMPTY: return "ENOTEMPTY";
    case EMFILE: return "EMFILE";
    case ENOMEM: return "ENOMEM";
    case EINVAL: return "EINVAL";
    default: return "other";
    }
}

static int compare_names(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

// One file operation, "op:path[:argument]", answered "ok..." or the errno's name.
static void file_probe(const char *command, char *out, size_t size) {
    char op[16] = {0}, path[512] = {0}, argument[512] = {0};
    const char *first = strchr(command, ':');
    if (!first || (size_t)(first - command) >= sizeof op) { snprintf(out, size, "bad command"); return; }
    memcpy(op, command, first - command);
    const char *second = strchr(first + 1, ':');
    size_t path_length = second ? (size_t)(second - first - 1) : strlen(first + 1);
    if (path_length >= sizeof path) { snprintf(out, size, "bad command"); return; }
    memcpy(path, first + 1, path_length);
    if (second) snprintf(argument, sizeof argument, "%s", second + 1);
    errno = 0;
    if (strcmp(op, "read") == 0) {
        int fd = open(path, O_RDONLY);
        if (fd < 0) goto failed;
        char buffer[256];
        ssize_t got = read(fd, buffer, sizeof buffer - 1);
        close(fd);
        if (got < 0) goto failed;
        buffer[got] = 0;
        snprintf(out, size, "ok %s", buffer);
    } else if (strcmp(op, "pread") == 0) {  // three bytes from offset 2
        int fd = open(path, O_RDONLY);
        if (fd < 0) goto failed;
        char buffer[4] = {0};
        ssize_t got = pread(fd, buffer, 3, 2);
        close(fd);
        if (got < 0) goto failed;
        snprintf(out, size, "ok %s", buffer);
    } else if (strcmp(op, "write") == 0 || strcmp(op, "append") == 0) {
        int flags = O_WRONLY | O_CREAT | (strcmp(op, "append") == 0 ? O_APPEND : O_TRUNC);
        int fd = open(path, flags, 0644);
        if (fd < 0) goto failed;
        ssize_t put = write(fd, argument, strlen(argument));
        int saved = errno;
        close(fd);
        errno = saved;
        if (put < 0) goto failed;
        snprintf(out, size, "ok %zd", put);
    } else if (strcmp(op, "seek-end") == 0) {
        int fd = open(path, O_RDONLY);
        if (fd < 0) goto failed;
        off_t end = lseek(fd, 0, SEEK_END);
        close(fd);
        if (end < 0) goto failed;
        snprintf(out, size, "ok %lld", (long long)end);
    } else if (strcmp(op, "stat") == 0) {
        struct stat info;
        if (lstat(path, &info) != 0) goto failed;
        snprintf(out, size, "ok %s %lld", S_ISDIR(info.st_mode) ? "dir" : S_ISREG(info.st_mode) ? "file" : S_ISLNK(info.st_mode) ? "link" : "other",
                 S_ISREG(info.st_mode) ? (long long)info.st_size : 0LL);
    } else if (strcmp(op, "truncate") == 0) {
        if (truncate(path, atoi(argument)) != 0) goto failed;
        snprintf(out, size, "ok");
    } else if (strcmp(op, "mkdir") == 0) {
        if (mkdir(path, 0755) != 0) goto failed;
        snprintf(out, size, "ok");
    } else if (strcmp(op, "rmdir") == 0) {
        if (rmdir(path) != 0) goto failed;
        snprintf(out, size, "ok");
    } else if (strcmp(op, "unlink") == 0) {
        if (unlink(path) != 0) goto failed;
        snprintf(out, size, "ok");
    } else if (strcmp(op, "rename") == 0) {
        if (rename(path, argument) != 0) goto failed;
        snprintf(out, size, "ok");
    } else if (strcmp(op, "readlink") == 0) {
        char target[256] = {0};
        ssize_t got = readlink(path, target, sizeof target - 1);
        if (got < 0) goto failed;
        snprintf(out, size, "ok %s", target);
    } else if (strcmp(op, "symlink") == 0) {
        if (symlink(argument, path) != 0) goto failed;
        snprintf(out, size, "ok");
    } else if (strcmp(op, "ls") == 0) {  // the names, sorted, without . and ..
        DIR *directory = opendir(path);
        if (!directory) goto failed;
        char *names[64];
        int count = 0;
        struct dirent *entry;
        while ((entry = readdir(directory)) && count < 64) {
            if (strcmp(entry->d_name, ".") == 0 || strcmp(entry->d_name, "..") == 0) continue;
            names[count++] = strdup(entry->d_name);
        }
        closedir(directory);
        qsort(names, count, sizeof names[0], compare_names);
        snprintf(out, size, "ok");
        for (int i = 0; i < count; i++) {
            strncat(out, " ", size - strlen(out) - 1);
            strncat(out, names[i], size - strlen(out) - 1);
            free(names[i]);
        }
    } else if (strcmp(op, "hold") == 0) {  // opens the file until one open fails; reports how many, then closes them
        static int fds[512];
        int count = 0;
        while (count < 512 && (fds[count] = open(path, O_RDONLY)) >= 0) count++;
        int saved = errno;
        for (int i = 0; i < count; i++) close(fds[i]);
        snprintf(out, size, "%d then %s", count, count < 512 ? errno_name(saved) : "none");
    } else {
        snprintf(out, size, "unknown file operation '%s'", op);
    }
    return;
failed:
    snprintf(out, size, "%s", errno_name(errno));
}

probe_string_t exports_probe_probe(probe_string_t what_string) {
    char what[1024] = {0};
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
    } else if (starts_with(what, "file:")) {
        file_probe(what + 5, out, sizeof out);
    } else if (starts_with(what, "exit:")) {
        exit(atoi(what + 5));
    } else {
        snprintf(out, sizeof out, "unknown probe '%s'", what);
    }
    return answer(out);
}
