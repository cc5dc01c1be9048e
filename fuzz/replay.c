/*
 * replay.c - run a fuzz harness on files, without libFuzzer.
 *
 *   replay_HARNESS PATH...   each PATH a file or a folder of files
 *
 * Linked with a harness (fuzz_*.c) and built with any compiler, so the
 * committed corpora and every regression (fuzz/regressions/HARNESS/) run
 * in `make test`, under the sanitizers with SAN=1 and under valgrind. A
 * harness reports a failure by aborting (or a sanitizer ends the process);
 * the file being run is then named on stderr.
 */
#include <dirent.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char current[4096];

/* Name the input that failed (async-signal-safe: write only). */
static void say_current(void)
{
    static const char head[] = "replay: failed on ";
    if (current[0] == '\0')
        return;
    if (write(2, head, sizeof head - 1) < 0 || write(2, current, strlen(current)) < 0 ||
        write(2, "\n", 1) < 0)
        return;
}

static void on_abort(int sig)
{
    say_current();
    signal(sig, SIG_DFL);
    raise(sig);
}

/* Under AddressSanitizer a report ends the process without SIGABRT. */
#if defined(__SANITIZE_ADDRESS__)
#define HAVE_DEATH_CALLBACK 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HAVE_DEATH_CALLBACK 1
#endif
#endif
#ifdef HAVE_DEATH_CALLBACK
#include <sanitizer/common_interface_defs.h>
#endif

/* Run one file; returns 0, or -1 when it cannot be read. */
static int run_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    uint8_t *data = NULL;
    size_t size = 0, room = 0, n;

    if (f == NULL)
        return -1;
    do {
        if (size == room) {
            uint8_t *more = realloc(data, room = room ? 2 * room : 4096);
            if (more == NULL) {
                free(data);
                fclose(f);
                return -1;
            }
            data = more;
        }
        n = fread(data + size, 1, room - size, f);
        size += n;
    } while (n > 0);
    fclose(f);
    snprintf(current, sizeof current, "%s", path);
    LLVMFuzzerTestOneInput(data, size);
    current[0] = '\0';
    free(data);
    return 0;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Run every file of a folder (not recursive, in name order); returns how many or -1. */
static long run_folder(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char **names = NULL;
    size_t count = 0, room = 0;
    long done = 0;

    if (d == NULL)
        return -1;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        if (count == room) {
            char **more = realloc(names, (room = room ? 2 * room : 64) * sizeof *names);
            if (more == NULL)
                break;
            names = more;
        }
        names[count++] = strdup(e->d_name);
    }
    closedir(d);
    if (count > 0)
        qsort(names, count, sizeof *names, by_name);
    for (size_t i = 0; i < count; i++) {
        char path[4096];
        struct stat st;
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        if (names[i] != NULL && stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
            if (run_file(path) != 0) {
                fprintf(stderr, "replay: cannot read %s\n", path);
                done = -1;
            } else if (done >= 0) {
                done++;
            }
        }
        free(names[i]);
    }
    free(names);
    return done;
}

int main(int argc, char **argv)
{
    long total = 0;
    int bad = 0;

    signal(SIGABRT, on_abort);
#ifdef HAVE_DEATH_CALLBACK
    __sanitizer_set_death_callback(say_current);
#endif
    LLVMFuzzerInitialize(&argc, &argv);
    for (int i = 1; i < argc; i++) {
        struct stat st;
        long n;
        if (stat(argv[i], &st) != 0) {
            continue;               /* an absent folder (no regressions yet) is fine */
        } else if (S_ISDIR(st.st_mode)) {
            n = run_folder(argv[i]);
        } else {
            n = run_file(argv[i]) == 0 ? 1 : -1;
        }
        if (n < 0) {
            fprintf(stderr, "replay: cannot read %s\n", argv[i]);
            bad = 1;
        } else {
            total += n;
        }
    }
    fprintf(stderr, "replay: %ld inputs, no failure\n", total);
    return bad;
}
