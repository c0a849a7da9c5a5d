/* timeit — run a command N times; print one line per run:
 *   <wall seconds> <peak RSS KiB> <exit status>
 *
 * Usage: timeit [-n N] [-i STDIN_FILE] [-o STDOUT_FILE] [-e STDERR_FILE] -- CMD [ARG]...
 *
 * Wall time is CLOCK_MONOTONIC around fork..wait4 (whole process); peak RSS
 * is the child's ru_maxrss from wait4, so no /usr/bin/time is needed.
 * stdout/stderr of the command go to /dev/null unless -o/-e are given; those
 * files are appended to, so N runs leave N outputs.
 * Exits 0 when every run exited 0, else 1 (the lines still print).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int open_or_null(const char *path, int flags)
{
    int fd = open(path ? path : "/dev/null", flags, 0644);
    if (fd < 0) {
        perror(path ? path : "/dev/null");
        exit(2);
    }
    return fd;
}

int main(int argc, char **argv)
{
    int n = 1, c;
    const char *in = NULL, *out = NULL, *errf = NULL;
    while ((c = getopt(argc, argv, "+n:i:o:e:")) != -1) {
        switch (c) {
        case 'n': n = atoi(optarg); break;
        case 'i': in = optarg; break;
        case 'o': out = optarg; break;
        case 'e': errf = optarg; break;
        default:
            fprintf(stderr, "usage: timeit [-n N] [-i IN] [-o OUT] [-e ERR] -- CMD [ARG]...\n");
            return 2;
        }
    }
    if (optind >= argc || n < 1) {
        fprintf(stderr, "usage: timeit [-n N] [-i IN] [-o OUT] [-e ERR] -- CMD [ARG]...\n");
        return 2;
    }
    int bad = 0;
    for (int r = 0; r < n; r++) {
        struct timespec t0, t1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        pid_t pid = fork();
        if (pid < 0) {
            perror("fork");
            return 2;
        }
        if (pid == 0) {
            dup2(open_or_null(in, O_RDONLY), 0);
            dup2(open_or_null(out, O_WRONLY | O_CREAT | O_APPEND), 1);
            dup2(open_or_null(errf, O_WRONLY | O_CREAT | O_APPEND), 2);
            execvp(argv[optind], argv + optind);
            _exit(127);
        }
        int status;
        struct rusage ru;
        if (wait4(pid, &status, 0, &ru) < 0) {
            perror("wait4");
            return 2;
        }
        clock_gettime(CLOCK_MONOTONIC, &t1);
        double s = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
        int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        if (code != 0)
            bad = 1;
        printf("%.6f %ld %d\n", s, ru.ru_maxrss, code);
        fflush(stdout);
    }
    return bad;
}
