/*
 * fs-probe: a wasi-libc reactor plugin on the default world for FilesystemTests. process runs one filesystem
 * operation named by option "op" on option "path" (and "path2", "data") and answers its result, or
 * "error N" with the C errno (wasi-libc's errno values are WASI's: 69 EROFS, 76 ENOTCAPABLE, 32 ELOOP, …).
 *
 *   read PATH              the file's contents          write PATH DATA     fopen "w" + fwrite
 *   append PATH DATA       fopen "a" + fwrite           create PATH         open O_CREAT|O_EXCL|O_WRONLY
 *   openrw PATH            open O_RDWR                  truncate PATH       truncate to 0
 *   mkdir PATH / rmdir PATH / unlink PATH               rename PATH PATH2   symlink PATH PATH2 (target, link)
 *   list PATH              sorted names, without . and .., joined by ","
 *   stat PATH              "file N" / "dir" / "link" / "other" (lstat)
 *   readlink PATH          the link's target            seekread PATH       lseek to 2, read the rest (pread too)
 *   leak PATH              opens PATH until it fails: "opened N error E"
 *   spin                   loops forever (with a fuel budget: a limit trap)
 *
 * Built by the test with scripts/wasm-cc against examples/plugins/text-transform-c/bindings.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "plugin_world.h"

typedef plugin_world_string_t string_t;

static char *cstr(string_t s) {
    char *c = malloc(s.len + 1);
    memcpy(c, s.ptr, s.len);
    c[s.len] = 0;
    return c;
}

static char *option(plugin_world_process_request_t *req, const char *key) {
    for (size_t i = 0; i < req->options.len; i++)
        if (req->options.ptr[i].f0.len == strlen(key) && memcmp(req->options.ptr[i].f0.ptr, key, strlen(key)) == 0)
            return cstr(req->options.ptr[i].f1);
    return strdup("");
}

static char out[8192];

static const char *fail(void) {
    snprintf(out, sizeof out, "error %d", errno);
    return out;
}

static int compare(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static const char *run(const char *op, const char *path, const char *path2, const char *data) {
    if (!strcmp(op, "read")) {
        FILE *f = fopen(path, "r");
        if (!f) return fail();
        size_t n = fread(out, 1, sizeof out - 1, f);
        int bad = ferror(f);
        fclose(f);
        if (bad) return fail();
        out[n] = 0;
        return out;
    }
    if (!strcmp(op, "write") || !strcmp(op, "append")) {
        FILE *f = fopen(path, op[0] == 'w' ? "w" : "a");
        if (!f) return fail();
        size_t n = fwrite(data, 1, strlen(data), f);
        if (n != strlen(data) || fclose(f) != 0) return fail();
        return "ok";
    }
    if (!strcmp(op, "create")) {
        int fd = open(path, O_CREAT | O_EXCL | O_WRONLY, 0644);
        if (fd < 0) return fail();
        close(fd);
        return "ok";
    }
    if (!strcmp(op, "openrw")) {
        int fd = open(path, O_RDWR);
        if (fd < 0) return fail();
        close(fd);
        return "ok";
    }
    if (!strcmp(op, "truncate")) return truncate(path, 0) ? fail() : "ok";
    if (!strcmp(op, "mkdir")) return mkdir(path, 0755) ? fail() : "ok";
    if (!strcmp(op, "rmdir")) return rmdir(path) ? fail() : "ok";
    if (!strcmp(op, "unlink")) return unlink(path) ? fail() : "ok";
    if (!strcmp(op, "rename")) return rename(path, path2) ? fail() : "ok";
    if (!strcmp(op, "symlink")) return symlink(path, path2) ? fail() : "ok";
    if (!strcmp(op, "list")) {
        DIR *d = opendir(path);
        if (!d) return fail();
        char *names[256];
        int count = 0;
        struct dirent *e;
        while (count < 256 && (e = readdir(d)))
            if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) names[count++] = strdup(e->d_name);
        closedir(d);
        qsort(names, count, sizeof names[0], compare);
        out[0] = 0;
        for (int i = 0; i < count; i++) {
            if (i) strcat(out, ",");
            strncat(out, names[i], sizeof out - strlen(out) - 2);
            free(names[i]);
        }
        return out;
    }
    if (!strcmp(op, "stat")) {
        struct stat st;
        if (lstat(path, &st)) return fail();
        if (S_ISREG(st.st_mode)) snprintf(out, sizeof out, "file %lld", (long long)st.st_size);
        else snprintf(out, sizeof out, "%s", S_ISDIR(st.st_mode) ? "dir" : S_ISLNK(st.st_mode) ? "link" : "other");
        return out;
    }
    if (!strcmp(op, "readlink")) {
        ssize_t n = readlink(path, out, sizeof out - 1);
        if (n < 0) return fail();
        out[n] = 0;
        return out;
    }
    if (!strcmp(op, "seekread")) {
        int fd = open(path, O_RDONLY);
        if (fd < 0) return fail();
        char a[64] = {0}, b[64] = {0};
        off_t end = lseek(fd, 0, SEEK_END);
        if (end < 0 || lseek(fd, 2, SEEK_SET) != 2 || read(fd, a, sizeof a - 1) < 0 || pread(fd, b, 3, 1) < 0) {
            close(fd);
            return fail();
        }
        close(fd);
        snprintf(out, sizeof out, "%lld %s %s", (long long)end, a, b);
        return out;
    }
    if (!strcmp(op, "leak")) {
        int n = 0;
        while (n < 1000 && open(path, O_RDONLY) >= 0) n++;
        snprintf(out, sizeof out, "opened %d error %d", n, errno);
        return out;
    }
    if (!strcmp(op, "spin")) {
        volatile unsigned n = 0;
        for (;;) n++;
    }
    return "unknown op";
}

plugin_world_result_void_string_t exports_plugin_world_plugin_api_initialize(plugin_world_list_tuple2_string_string_t config) {
    plugin_world_list_tuple2_string_string_free(&config);
    plugin_world_result_void_string_t result = {.is_err = false};
    return result;
}

plugin_world_process_response_t exports_plugin_world_plugin_api_process(plugin_world_process_request_t req) {
    char *op = option(&req, "op"), *path = option(&req, "path"), *path2 = option(&req, "path2"), *data = option(&req, "data");
    errno = 0;
    const char *result = run(op, path, path2, data);
    plugin_world_process_response_t res = {.success = true};
    plugin_world_string_dup(&res.output, result);
    free(op);
    free(path);
    free(path2);
    free(data);
    plugin_world_process_request_free(&req);
    return res;
}

plugin_world_result_void_string_t exports_plugin_world_plugin_api_shutdown(void) {
    return (plugin_world_result_void_string_t){.is_err = false};
}

plugin_world_plugin_metadata_t exports_plugin_world_plugin_api_get_metadata(void) {
    plugin_world_plugin_metadata_t metadata;
    plugin_world_string_dup(&metadata.name, "fs-probe");
    plugin_world_string_dup(&metadata.version, "1.0.0");
    plugin_world_string_dup(&metadata.description, "filesystem probe for FilesystemTests");
    return metadata;
}
