/*
 * rw_sources: the writable layer's sources for test_sefs_rw.c, one
 * translation unit (next to fs_sources.c) so that the "unit-sources" line
 * stays short.
 */
#include "fs/sefs_rw.c"
#include "fs/sefs_rw_cache.c"
#include "fs/sefs_rw_data.c"
#include "fs/sefs_rw_journal.c"
#include "fs/sefs_rw_meta.c"
