/* fuzz-sources: src/common/config.c src/image/sefs_crypto.c */
/*
 * fuzz_config: the instance's text files as their parsers see them, any
 * bytes: Occlum.json (config_load_string, config_parse_size), and the key
 * files and MACs the image and the mounts take (sefs_key_parse: a key
 * file's text; sefs_unhex: a MAC in hex). Each must answer with a value
 * or a refusal (one error line for the config), never crash, leak or read
 * past the string; a parsed key formats back to itself.
 */
#include "common/config.h"
#include "image/sefs_format.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *json = malloc(size + 1);
    if (!json) return 0;
    memcpy(json, data, size);
    json[size] = '\0';
    struct occlum_config cfg;
    char err[512];
    err[0] = '\0';
    if (config_load_string(json, "fuzz.json", &cfg, err, sizeof(err)) == 0) {
        config_free(&cfg);
    } else if (err[0] == '\0' || strlen(err) >= sizeof(err)) {
        abort(); /* a refusal always says why, in one bounded line */
    }
    /* The size parser on its own, with the input as the string. */
    uint64_t v;
    (void)config_parse_size(json, &v);
    uint8_t key[32], again[32], mac[SEFS_ENTRY];
    int n = sefs_key_parse(json, key);
    if (n == 32) {
        char text[32 * 3 + 1];
        sefs_key_format(key, text);
        if (sefs_key_parse(text, again) != 32 || memcmp(key, again, 32) != 0) abort();
    } else if (n != -1 && n != 16) {
        abort();
    }
    (void)sefs_unhex(json, mac, SEFS_ENTRY);
    free(json);
    return 0;
}
