// TEST-TIMEOUT: 60
/* test_thread_names.c - pacegc's own threads carry their own names
 * (os_start_internal_thread), not their creator's: the main thread names
 * itself before pgc_init, runs cycles (the coordinator and the mark
 * workers start) and registers a finalizer with the finalizer thread on
 * (it starts); then every thread of the process but main is named
 * pacegc-coord, pacegc-mark or pacegc-final, and the coordinator and the
 * finalizer thread are there. */
#include "check.h"
#include "pacegc.h"

#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void on_final(void *obj, void *data)
{
    (void)obj;
    (void)data;
}

int main(void)
{
    CHECK(pthread_setname_np(pthread_self(), "prog-main") == 0, "cannot name the main thread");
    pgc_init();
    pgc_set_finalize_on_demand(0);
    for (int i = 0; i < 3; i++) {
        for (int k = 0; k < 10000; k++)
            (void)pgc_alloc(64);
        pgc_collect();
    }
    pgc_register_finalizer(pgc_alloc(32), on_final, NULL);
    pgc_collect(); /* the finalizer thread is running by now */

    DIR *d = opendir("/proc/self/task");
    CHECK(d != NULL, "cannot open /proc/self/task");
    int coord = 0, fin = 0, mark = 0, others = 0;
    pid_t me = getpid();
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.' || atoi(e->d_name) == me)
            continue;
        char path[300], comm[32] = { 0 };
        snprintf(path, sizeof path, "/proc/self/task/%s/comm", e->d_name);
        FILE *f = fopen(path, "r");
        if (!f)
            continue;
        if (fgets(comm, sizeof comm, f)) {
            comm[strcspn(comm, "\n")] = 0;
            if (strcmp(comm, "pacegc-coord") == 0)
                coord++;
            else if (strcmp(comm, "pacegc-final") == 0)
                fin++;
            else if (strcmp(comm, "pacegc-mark") == 0)
                mark++;
            else {
                fprintf(stderr, "thread %s is named '%s'\n", e->d_name, comm);
                others++;
            }
        }
        fclose(f);
    }
    closedir(d);
    CHECK(others == 0, "%d of pacegc's threads carry another name (their creator's)", others);
    CHECK(coord == 1, "%d threads named pacegc-coord, want 1", coord);
    CHECK(fin == 1, "%d threads named pacegc-final, want 1", fin);
    printf("test_thread_names: ok (coordinator %d, finalizer %d, mark workers %d)\n", coord, fin, mark);
    return 0;
}
