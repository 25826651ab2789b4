/* gc_version.h - the bdwgc release whose interface pacegc's libgc.so.1
 * provides (Debian's libgc1, bdwgc 8.2.2). */
#ifndef PACEGC_BDWGC_VERSION_H
#define PACEGC_BDWGC_VERSION_H
#define GC_VERSION_MAJOR 8
#define GC_VERSION_MINOR 2
#define GC_VERSION_MICRO 2
#endif
