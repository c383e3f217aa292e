/*
 * fs_sources: the file-system sources test_vfs.c links with, gathered in
 * one translation unit so that test_vfs.c's "unit-sources" line stays
 * within the column limit (run-unit.sh reads only that first line).
 */
#include "fs/path.c"
#include "fs/vfs.c"
#include "fs/namei.c"
#include "fs/mount.c"
#include "fs/ramfs.c"
#include "fs/fdtable.c"
