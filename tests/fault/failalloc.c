/* Allocation-failure injection for the fault build (make check-fault).
 *
 * Linked into build/fault/bin/ffnn-* with -Wl,--wrap=malloc,... so that every
 * allocation made by ffnn's own objects (lib/ and cmd/) goes through here.
 * cJSON's allocations are routed here too, through cJSON_InitHooks in a
 * constructor (test code only: the library never touches cJSON's globals).
 * Allocations made inside libc itself (stdio buffers, qsort, pthread_create,
 * strerror, ...) are not seen: --wrap only rewrites the calls in the objects
 * being linked.
 *
 *   FFNN_FAIL_ALLOC=n      the n-th counted allocation returns NULL (errno
 *                          ENOMEM); every other one succeeds.  One shot.
 *   FFNN_COUNT_ALLOC=path  at exit, write the number of counted allocations
 *                          to path (so the runner knows how many n to try).
 *   FFNN_FAIL_STACK=1      print the stack of the failed allocation (ASan's
 *                          symbolizer) to stderr: for debugging a finding.
 *
 * Counted: malloc, calloc, realloc (any size, including shrinking), strdup,
 * strndup, cJSON's internal malloc, and the stdio calls that allocate a FILE
 * (fopen, fdopen, open_memstream, fmemopen).  free is passed through.  The count is
 * atomic, but the order is only reproducible when the work is single-threaded,
 * so the workloads run with -j 1.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void *__real_malloc(size_t size);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t size);
char *__real_strdup(const char *s);
char *__real_strndup(const char *s, size_t n);
void *__wrap_malloc(size_t size);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t size);
char *__wrap_strdup(const char *s);
char *__wrap_strndup(const char *s, size_t n);
FILE *__real_fopen(const char *path, const char *mode);
FILE *__real_fdopen(int fd, const char *mode);
FILE *__real_open_memstream(char **buf, size_t *len);
FILE *__real_fmemopen(void *buf, size_t size, const char *mode);
FILE *__wrap_fopen(const char *path, const char *mode);
FILE *__wrap_fdopen(int fd, const char *mode);
FILE *__wrap_open_memstream(char **buf, size_t *len);
FILE *__wrap_fmemopen(void *buf, size_t size, const char *mode);
void __sanitizer_print_stack_trace(void) __attribute__((weak));

static atomic_long count;
static long fail_at;      /* 0: never */
static int show_stack;
static const char *count_path;

/* True when this allocation is the one to fail. */
static int fail_now(void)
{
    long n = atomic_fetch_add(&count, 1) + 1;
    if (n != fail_at)
        return 0;
    if (show_stack && __sanitizer_print_stack_trace) {
        static const char msg[] = "failalloc: failing this allocation:\n";
        if (write(2, msg, sizeof msg - 1) < 0)
            return 1;
        __sanitizer_print_stack_trace();
    }
    errno = ENOMEM;
    return 1;
}

void *__wrap_malloc(size_t size)
{
    return fail_now() ? NULL : __real_malloc(size);
}

void *__wrap_calloc(size_t n, size_t size)
{
    return fail_now() ? NULL : __real_calloc(n, size);
}

void *__wrap_realloc(void *p, size_t size)
{
    return fail_now() ? NULL : __real_realloc(p, size);
}

char *__wrap_strdup(const char *s)
{
    return fail_now() ? NULL : __real_strdup(s);
}

char *__wrap_strndup(const char *s, size_t n)
{
    return fail_now() ? NULL : __real_strndup(s, n);
}

/* The stdio functions that allocate a FILE: they fail as glibc's do when
 * malloc fails (NULL, errno ENOMEM). */
FILE *__wrap_fopen(const char *path, const char *mode)
{
    return fail_now() ? NULL : __real_fopen(path, mode);
}

FILE *__wrap_fdopen(int fd, const char *mode)
{
    return fail_now() ? NULL : __real_fdopen(fd, mode);
}

FILE *__wrap_open_memstream(char **buf, size_t *len)
{
    return fail_now() ? NULL : __real_open_memstream(buf, len);
}

FILE *__wrap_fmemopen(void *buf, size_t size, const char *mode)
{
    return fail_now() ? NULL : __real_fmemopen(buf, size, mode);
}

static void *cjson_malloc(size_t size)
{
    return __wrap_malloc(size);
}

static void write_count(void)
{
    char buf[32];
    int fd = open(count_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0)
        return;
    int len = snprintf(buf, sizeof buf, "%ld\n", (long)atomic_load(&count));
    if (write(fd, buf, (size_t)len) < 0)
        len = 0;
    close(fd);
}

__attribute__((constructor)) static void failalloc_init(void)
{
    const char *s = getenv("FFNN_FAIL_ALLOC");
    fail_at = s ? atol(s) : 0;
    s = getenv("FFNN_FAIL_STACK");
    show_stack = s && *s && strcmp(s, "0") != 0;
    count_path = getenv("FFNN_COUNT_ALLOC");
    if (count_path && *count_path)
        atexit(write_count);
    cJSON_Hooks hooks = {cjson_malloc, free};
    cJSON_InitHooks(&hooks);
}
