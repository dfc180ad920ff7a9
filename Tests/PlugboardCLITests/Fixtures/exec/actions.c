// The actions of the test programs, one per argument, in order:
//   args              print every argument, "argv[i]=..." (the program's name is argv[0])
//   env               print every environment variable the program sees, "env NAME=VALUE"
//   stdin             read stdin to its end and print "stdin: <its bytes>"
//   cat:PATH          print the file's bytes, or "cat PATH: <error>"
//   write:PATH=TEXT   create (or truncate) the file with TEXT; print "wrote PATH" or "write PATH: <error>"
//   stderr:TEXT       print TEXT and a newline on stderr
//   status:N          return N from perform (main returns it; the component's run returns err unless it is 0)
//   exit:N            call exit(N) at once
//   trap              execute `unreachable`
//   spin              loop forever
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "actions.h"

extern char **environ;

static int starts_with(const char *text, const char *prefix) { return strncmp(text, prefix, strlen(prefix)) == 0; }

static void cat(const char *path) {
    FILE *file = fopen(path, "rb");
    if (!file) {
        printf("cat %s: %s\n", path, strerror(errno));
        return;
    }
    char buffer[256];
    size_t count;
    while ((count = fread(buffer, 1, sizeof buffer, file)) > 0) fwrite(buffer, 1, count, stdout);
    fclose(file);
}

static void write_file(const char *spec) {
    const char *equals = strchr(spec, '=');
    if (!equals) {
        printf("write %s: no '='\n", spec);
        return;
    }
    char path[256] = {0};
    size_t length = (size_t)(equals - spec) < sizeof path - 1 ? (size_t)(equals - spec) : sizeof path - 1;
    memcpy(path, spec, length);
    FILE *file = fopen(path, "wb");
    if (!file || fputs(equals + 1, file) < 0 || fclose(file) != 0) {
        printf("write %s: %s\n", path, strerror(errno));
        return;
    }
    printf("wrote %s\n", path);
}

static void echo_stdin(void) {
    fputs("stdin: ", stdout);
    char buffer[256];
    size_t count;
    while ((count = fread(buffer, 1, sizeof buffer, stdin)) > 0) fwrite(buffer, 1, count, stdout);
    if (ferror(stdin)) printf(" (read error: %s)", strerror(errno));
    putchar('\n');
}

int perform(int argc, char **argv) {
    int status = 0;
    for (int i = 1; i < argc; i++) {
        const char *action = argv[i];
        if (strcmp(action, "args") == 0) {
            for (int j = 0; j < argc; j++) printf("argv[%d]=%s\n", j, argv[j]);
        } else if (strcmp(action, "env") == 0) {
            for (char **entry = environ; entry && *entry; entry++) printf("env %s\n", *entry);
        } else if (strcmp(action, "stdin") == 0) {
            echo_stdin();
        } else if (starts_with(action, "cat:")) {
            cat(action + 4);
        } else if (starts_with(action, "write:")) {
            write_file(action + 6);
        } else if (starts_with(action, "stderr:")) {
            fprintf(stderr, "%s\n", action + 7);
        } else if (starts_with(action, "status:")) {
            status = atoi(action + 7);
        } else if (starts_with(action, "exit:")) {
            fflush(stdout);
            exit(atoi(action + 5));
        } else if (strcmp(action, "trap") == 0) {
            fflush(stdout);
            __builtin_trap();
        } else if (strcmp(action, "spin") == 0) {
            fflush(stdout);
            for (volatile unsigned long n = 0;; n++) {
            }
        } else {
            printf("unknown action: %s\n", action);
            status = 2;
        }
    }
    fflush(stdout);
    return status;
}
