/* A file handle wrapper closed by its finalizer: the program opens files
 * through fh_open and never closes them; when a wrapper becomes garbage,
 * pacegc's finalizer thread calls fh_finalize, which closes the descriptor.
 * (A finalizer runs some time after the object died, on another thread:
 * close explicitly where the timing matters, and keep the finalizer as the
 * safety net, as here.) */
#include <pacegc.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <unistd.h>

typedef struct fh { int fd; } fh;

static atomic_int closed_by_finalizer;

static void fh_finalize(void *obj, void *data)
{
    (void)data;
    fh *f = obj;
    if (f->fd >= 0) {
        close(f->fd);
        f->fd = -1;
        atomic_fetch_add(&closed_by_finalizer, 1);
    }
}

static fh *fh_open(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    fh *f = pgc_alloc_atomic(sizeof *f);        /* holds no pointers */
    f->fd = fd;
    pgc_register_finalizer(f, fh_finalize, NULL);
    return f;
}

static void fh_close(fh *f)                     /* explicit close: no finalizer needed */
{
    pgc_register_finalizer(f, NULL, NULL);
    close(f->fd);
    f->fd = -1;
}

int main(void)
{
    pgc_init();
    for (int i = 0; i < 10000; i++) {           /* far more than the default 1024 fds */
        fh *f = fh_open("/dev/null");
        for (int tries = 0; !f && tries < 100; tries++) { /* out of descriptors: */
            pgc_collect();                       /* free the dead wrappers, and give */
            usleep(10000);                       /* the finalizer thread time to close them */
            f = fh_open("/dev/null");
        }
        if (!f) {
            perror("open");
            return 1;
        }
        if (i % 2 == 0)
            fh_close(f);                         /* half closed by hand, half dropped */
        if (i % 1000 == 999)
            pgc_collect();                       /* lets the finalizer thread catch up */
    }
    pgc_collect();
    for (int i = 0; i < 100 && atomic_load(&closed_by_finalizer) < 4000; i++)
        usleep(10000);                           /* the finalizer thread runs on its own */
    printf("opened 10000 files, closed 5000 by hand, %d by the finalizer so far\n",
           atomic_load(&closed_by_finalizer));
    return 0;
}
