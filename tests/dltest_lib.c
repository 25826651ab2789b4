/* dltest_lib.c - a shared library test_dlopen loads while cycles run: its
 * writable data segment holds the only pointer to a heap object. */
void *dltest_slot;
