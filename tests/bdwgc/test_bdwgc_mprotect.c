// TEST-ENV: PGCDEBUG=gccheckmark=1
// TEST-TIMEOUT: 60
// TEST-ASAN: no
/* test_bdwgc_mprotect.c - the none-mprotect mode through libgc.so.1, with a
 * cycle held marking (test hooks), so the heap's scanned pages are
 * write-protected:
 *  - the mode is none-mprotect, GC_is_incremental_mode() is 1 and
 *    GC_incremental_protection_needs() is GC_PROTECTS_POINTER_HEAP;
 *  - a raw read system call into a protected GC_malloc'd buffer fails with
 *    EFAULT (the limit of the method: the protection is real), while read()
 *    and recv() (wrapped by libgc.so.1) into the same kind of buffer work
 *    and deliver the data, and a raw read into GC_malloc_atomic memory
 *    works (pointer-free pages are never protected);
 *  - each other wrapped call (pread, readv, preadv, recvfrom, recvmsg,
 *    fread) into its own freshly protected pointer-holding buffer (a raw
 *    pread into it fails with EFAULT just before) works and delivers the
 *    data; libc's own fread (the wrapper bypassed) fails short there with
 *    EFAULT, which is why fread is wrapped; fgets into a protected buffer
 *    works without a wrapper (a user-space copy, caught by the handler);
 *  - plain stores into protected objects are caught and kept (the objects
 *    moved are marked: gccheckmark aborts otherwise);
 *  - a SIGSEGV handler the program installed before GC_INIT still gets the
 *    faults outside the heap (chained, with the faulting address), and
 *    none of the heap's write faults. */
#define GC_THREADS 1
#include <gc.h>
#include "../check.h"
#include "testhooks.h"

#include <dlfcn.h>
#include <stdbool.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/uio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#define BUF 65536
static volatile sig_atomic_t program_faults;
static void *volatile fault_addr;
static char *guard; /* a read-only page outside the heap */

static void program_segv(int sig, siginfo_t *si, void *uc)
{
    (void)sig;
    (void)uc;
    program_faults++;
    fault_addr = si->si_addr;
    mprotect(guard, 4096, PROT_READ | PROT_WRITE); /* let the write go on */
}

typedef struct node { struct node *next; long v; } node;

static int datafd = -1; /* a file of BUF bytes of msg */

/* Is buf's page write-protected? A raw pread (no wrapper) of one byte of
 * the data file into it: EFAULT if so; it moves no offset either way. */
static bool is_protected(void *buf)
{
    errno = 0;
    long r = syscall(SYS_pread64, datafd, buf, 1, 0);
    return r == -1 && errno == EFAULT;
}
static node *a, *b; /* roots */

int main(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = program_segv;
    sa.sa_flags = SA_SIGINFO;
    CHECK(sigaction(SIGSEGV, &sa, NULL) == 0, "sigaction");
    guard = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(guard != MAP_FAILED, "mmap");

    setenv("PGC_BARRIER", "none-mprotect", 1);
    GC_INIT();
    pgc_stats st;
    pgc_read_stats(&st);
    CHECK(st.barrier_mode == PGC_BARRIER_NONE_MPROTECT, "mode %s", pgc_barrier_mode_name(st.barrier_mode));
    CHECK(GC_is_incremental_mode() == 1, "incremental");
    CHECK(GC_incremental_protection_needs() == GC_PROTECTS_POINTER_HEAP, "protection needs");

    enum { NBUF = 12 };
    char *bufs[NBUF];
    for (int i = 0; i < NBUF; i++)
        bufs[i] = GC_MALLOC(BUF);
    char *atomic = GC_MALLOC_ATOMIC(BUF);
    for (int i = 0; i < 1000; i++) {
        node *n = GC_MALLOC(sizeof *n);
        n->v = i;
        n->next = a;
        a = n;
    }

    pgc__test_hold_at(PGC_TEST_AFTER_ROOTS);
    pgc__test_start_cycle();
    pgc__test_wait_held_at(PGC_TEST_AFTER_ROOTS); /* marking: scanned pages protected */

    int p[2];
    CHECK(pipe(p) == 0, "pipe");
    static char msg[BUF];
    for (int i = 0; i < BUF; i++)
        msg[i] = (char)(i * 7 + 1);
    CHECK(write(p[1], msg, 100) == 100, "write");
    errno = 0;
    long r = syscall(SYS_read, p[0], bufs[0], 100);
    CHECK(r == -1 && errno == EFAULT, "raw read into a protected buffer: %ld, errno %d (want EFAULT)", r, errno);
    CHECK(read(p[0], bufs[1], 100) == 100 && memcmp(bufs[1], msg, 100) == 0, "wrapped read");
    CHECK(write(p[1], msg, 100) == 100, "write");
    CHECK(syscall(SYS_read, p[0], atomic, 100) == 100 && memcmp(atomic, msg, 100) == 0,
          "raw read into pointer-free memory");
    int sv[2];
    CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0, "socketpair");
    CHECK(send(sv[0], msg + 5, 200, 0) == 200, "send");
    CHECK(recv(sv[1], bufs[2], 200, 0) == 200 && memcmp(bufs[2], msg + 5, 200) == 0, "wrapped recv");

    /* the other wrapped calls, each into a buffer protected until then */
    char path[] = "/tmp/pgc_mprotect_XXXXXX";
    datafd = mkstemp(path);
    CHECK(datafd >= 0, "mkstemp");
    unlink(path);
    CHECK(write(datafd, msg, BUF) == BUF, "write the data file");
    for (int i = 3; i < NBUF; i++)
        CHECK(is_protected(bufs[i]), "buffer %d is not write-protected while marking", i);
    CHECK(pread(datafd, bufs[3], 300, 7) == 300 && memcmp(bufs[3], msg + 7, 300) == 0, "wrapped pread");
    struct iovec iov[2] = { { bufs[4] + 10, 100 }, { bufs[5] + 4000, 200 } }; /* two buffers */
    CHECK(lseek(datafd, 11, SEEK_SET) == 11, "lseek");
    CHECK(readv(datafd, iov, 2) == 300 && memcmp(bufs[4] + 10, msg + 11, 100) == 0 &&
          memcmp(bufs[5] + 4000, msg + 111, 200) == 0, "wrapped readv");
    CHECK(is_protected(bufs[6]), "buffer 6");
    struct iovec iov2 = { bufs[6], 5000 }; /* more than one page */
    CHECK(preadv(datafd, &iov2, 1, 13) == 5000 && memcmp(bufs[6], msg + 13, 5000) == 0, "wrapped preadv");
    int dg[2];
    CHECK(socketpair(AF_UNIX, SOCK_DGRAM, 0, dg) == 0, "socketpair");
    CHECK(send(dg[0], msg + 17, 400, 0) == 400, "send");
    CHECK(recvfrom(dg[1], bufs[7], 400, 0, NULL, NULL) == 400 && memcmp(bufs[7], msg + 17, 400) == 0,
          "wrapped recvfrom");
    CHECK(send(dg[0], msg + 19, 500, 0) == 500, "send");
    struct msghdr mh;
    memset(&mh, 0, sizeof mh);
    struct iovec iov3 = { bufs[8], 500 };
    mh.msg_iov = &iov3;
    mh.msg_iovlen = 1;
    CHECK(recvmsg(dg[1], &mh, 0) == 500 && memcmp(bufs[8], msg + 19, 500) == 0, "wrapped recvmsg");
    /* fread of more than stdio's buffer reads straight into the caller's */
    FILE *fp = fdopen(dup(datafd), "r");
    CHECK(fp != NULL, "fdopen");
    setvbuf(fp, NULL, _IOFBF, 4096);
    typedef size_t (*fread_fn)(void *, size_t, size_t, FILE *);
    void *libc = dlopen("libc.so.6", RTLD_NOW | RTLD_NOLOAD);
    CHECK(libc != NULL, "dlopen libc.so.6");
    fread_fn libc_fread = (fread_fn)dlsym(libc, "fread");
    CHECK(libc_fread != NULL && libc_fread != (fread_fn)fread, "libc's own fread");
    errno = 0;
    size_t got = libc_fread(bufs[9], 1, 32768, fp);
    CHECK(got < 32768 && ferror(fp) && errno == EFAULT,
          "libc's fread into a protected buffer: %zu bytes, errno %d (want a short read, EFAULT)", got, errno);
    clearerr(fp);
    CHECK(fseek(fp, 0, SEEK_SET) == 0, "fseek");
    CHECK(fread(bufs[10], 8, 4096, fp) == 4096 && memcmp(bufs[10], msg, 32768) == 0 && !ferror(fp),
          "wrapped fread");
    CHECK(fseek(fp, 21, SEEK_SET) == 0, "fseek");
    CHECK(fgets(bufs[11], 1000, fp) != NULL && strlen(bufs[11]) < 1000, "fgets");
    CHECK(memcmp(bufs[11], msg + 21, strlen(bufs[11])) == 0, "fgets data");
    fclose(fp);

    /* plain stores into protected objects: move the list to b, wiping a */
    int before = program_faults;
    while (a) {
        node *n = a;
        a = n->next;
        n->next = b;
        b = n;
    }
    CHECK(program_faults == before, "heap write faults reached the program's handler");
    ((volatile char *)guard)[10] = 1; /* outside the heap: the program's handler */
    CHECK(program_faults == before + 1 && fault_addr == guard + 10, "fault outside the heap not chained (%d faults, %p for %p)", (int)(program_faults - before), fault_addr, (void *)(guard + 10));

    pgc__test_release();
    GC_gcollect(); /* gccheckmark verifies the moved list was marked */
    long count = 0;
    for (node *n = b; n; n = n->next, count++)
        CHECK(n->v == count, "list damaged");
    CHECK(count == 1000, "count %ld", count);
    printf("ok: none-mprotect, EFAULT on a raw read, wrapped read/pread/readv/preadv/recv/recvfrom/recvmsg/fread work, chained SIGSEGV\n");
    return 0;
}
