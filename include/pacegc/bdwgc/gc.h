/* gc.h - pacegc's libgc.so.1 interface; <gc.h> and <gc/gc.h> are the same. */
#include "gc/gc.h"
