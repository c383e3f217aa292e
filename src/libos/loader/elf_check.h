/*
 * elf_check: the pure checks the loader makes on an ELF file's headers
 * before it maps anything (kept free of LibOS dependencies so that unit
 * tests can feed them every kind of malformed header).
 */
#ifndef LIBOS_ELF_CHECK_H
#define LIBOS_ELF_CHECK_H

#include <elf.h>
#include <stddef.h>
#include <stdint.h>

#define ELF_MAX_PHNUM 128

/* 0 when the first n bytes hold an ELF64 little-endian x86-64 ET_EXEC or
 * ET_DYN header with sane program-header fields; -ENOEXEC otherwise. */
int elf_check_ehdr(const void *buf, size_t n);

/* 0 when the PT_LOAD segments are loadable from a file of file_size bytes
 * (file ranges inside the file, filesz <= memsz, no address wrap, at least
 * one segment, offsets and addresses congruent modulo the page size);
 * -ENOEXEC otherwise. On success *lo and *hi bound the page-aligned span. */
int elf_check_phdrs(const Elf64_Phdr *ph, size_t phnum, uint64_t file_size, uint64_t *lo,
                    uint64_t *hi);

#endif
