/* unit-sources: src/libos/fs/path.c */
/*
 * test_path: the pure path helpers used by the LibOS path walk
 * (normalize, join, push/pop, component iteration, limits).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "fs/path.h"

static char out[LIBOS_PATH_MAX];

static void check_norm(const char *base, const char *in, const char *want)
{
    int r = path_normalize(base, in, out, sizeof out);
    assert_int_equal(r, (int)strlen(want));
    assert_string_equal(out, want);
}

static void test_normalize_absolute(void **state __attribute__((unused)))
{
    check_norm(NULL, "/", "/");
    check_norm(NULL, "///", "/");
    check_norm(NULL, "/a/b/c", "/a/b/c");
    check_norm(NULL, "//a//b///c//", "/a/b/c");
    check_norm(NULL, "/a/./b/.", "/a/b");
    check_norm(NULL, "/./.", "/");
    check_norm(NULL, "/.hidden/..x/x..", "/.hidden/..x/x..");
}

static void test_normalize_dotdot(void **state __attribute__((unused)))
{
    check_norm(NULL, "/a/b/..", "/a");
    check_norm(NULL, "/a/b/../..", "/");
    check_norm(NULL, "/..", "/");
    check_norm(NULL, "/../../..", "/");
    check_norm(NULL, "/a/../b/../c", "/c");
    check_norm(NULL, "/a/b/../../../d", "/d");
    check_norm(NULL, "/a/.../b", "/a/.../b");
}

static void test_normalize_relative(void **state __attribute__((unused)))
{
    check_norm("/home/user", "x", "/home/user/x");
    check_norm("/home/user", "../x", "/home/x");
    check_norm("/home/user", "../../../../x", "/x");
    check_norm("/", "a/b", "/a/b");
    check_norm("/", "..", "/");
    check_norm("/a", ".", "/a");
    check_norm("/a", "", "/a");
    check_norm("/a", "/abs", "/abs");
    /* an untidy base is normalized as well */
    check_norm("//a/./b/", "c", "/a/b/c");
    assert_int_equal(path_normalize(NULL, "rel", out, sizeof out), -EINVAL);
    assert_int_equal(path_normalize("rel", "x", out, sizeof out), -EINVAL);
}

static void test_normalize_long_names(void **state __attribute__((unused)))
{
    char name[LIBOS_NAME_MAX + 2];
    char in[LIBOS_NAME_MAX + 3];
    memset(name, 'n', LIBOS_NAME_MAX);
    name[LIBOS_NAME_MAX] = 0;
    snprintf(in, sizeof in, "/%s", name);
    assert_int_equal(path_normalize(NULL, in, out, sizeof out), LIBOS_NAME_MAX + 1);

    /* 256 bytes in one component */
    name[LIBOS_NAME_MAX] = 'n';
    name[LIBOS_NAME_MAX + 1] = 0;
    snprintf(in, sizeof in, "/%s", name);
    assert_int_equal(path_normalize(NULL, in, out, sizeof out), -ENAMETOOLONG);

    /* a long component that ".." later removes is still too long */
    char in2[LIBOS_NAME_MAX + 8];
    snprintf(in2, sizeof in2, "/%s/..", name);
    assert_int_equal(path_normalize(NULL, in2, out, sizeof out), -ENAMETOOLONG);
}

static void test_normalize_total_length(void **state __attribute__((unused)))
{
    /* "/aaaa/aaaa/..." up to exactly 4095 bytes fits, 4096 does not */
    static char big[LIBOS_PATH_MAX + 16];
    size_t n = 0;
    while (n + 5 <= LIBOS_PATH_MAX - 1) {
        memcpy(big + n, "/aaaa", 5);
        n += 5;
    }
    big[n] = 0;
    int r = path_normalize(NULL, big, out, sizeof out);
    assert_int_equal(r, (int)n);
    /* pad to 4095 and then one over */
    size_t fill = LIBOS_PATH_MAX - 1 - n;
    if (fill >= 2) {
        big[n] = '/';
        memset(big + n + 1, 'b', fill - 1);
        big[n + fill] = 0;
        assert_int_equal(path_normalize(NULL, big, out, sizeof out), LIBOS_PATH_MAX - 1);
        strcat(big, "b");
        assert_int_equal(path_normalize(NULL, big, out, sizeof out), -ENAMETOOLONG);
    }
    /* a small output buffer */
    char small[4];
    assert_int_equal(path_normalize(NULL, "/abc", small, sizeof small), -ENAMETOOLONG);
    assert_int_equal(path_normalize(NULL, "/ab", small, sizeof small), 3);
    assert_string_equal(small, "/ab");
}

static void test_join(void **state __attribute__((unused)))
{
    assert_int_equal(path_join("/a", "b", out, sizeof out), 4);
    assert_string_equal(out, "/a/b");
    path_join("/", "b", out, sizeof out);
    assert_string_equal(out, "/b");
    path_join("/a/", "b", out, sizeof out);
    assert_string_equal(out, "/a/b");
    path_join("/a//", "//b", out, sizeof out);
    assert_string_equal(out, "/a/b");
    path_join("/a", "", out, sizeof out);
    assert_string_equal(out, "/a");
    path_join("", "b", out, sizeof out);
    assert_string_equal(out, "b");
    path_join("/host/dir", "x/y", out, sizeof out);
    assert_string_equal(out, "/host/dir/x/y");
    char small[6];
    assert_int_equal(path_join("/ab", "c", small, sizeof small), 5);
    assert_int_equal(path_join("/ab", "cd", small, sizeof small), -ENAMETOOLONG);
}

static void test_push_pop(void **state __attribute__((unused)))
{
    char c[16] = "/";
    size_t n = 1;
    assert_int_equal(path_push(c, &n, sizeof c, "usr", 3), 0);
    assert_string_equal(c, "/usr");
    assert_int_equal(path_push(c, &n, sizeof c, "lib", 3), 0);
    assert_string_equal(c, "/usr/lib");
    assert_int_equal(n, 8);
    /* 8 + 1 + 7 + NUL = 17 > 16 */
    assert_int_equal(path_push(c, &n, sizeof c, "1234567", 7), -ENAMETOOLONG);
    assert_string_equal(c, "/usr/lib");
    assert_int_equal(path_push(c, &n, sizeof c, "123456", 6), 0);
    assert_string_equal(c, "/usr/lib/123456");
    path_pop(c, &n);
    assert_string_equal(c, "/usr/lib");
    path_pop(c, &n);
    assert_string_equal(c, "/usr");
    path_pop(c, &n);
    assert_string_equal(c, "/");
    assert_int_equal(n, 1);
    path_pop(c, &n);
    assert_string_equal(c, "/");
}

static void test_next_component(void **state __attribute__((unused)))
{
    const char *p = "//a/bc///d/";
    size_t len;
    const char *c = path_next(p, &len);
    assert_non_null(c);
    assert_int_equal(len, 1);
    assert_memory_equal(c, "a", 1);
    c = path_next(c + len, &len);
    assert_int_equal(len, 2);
    assert_memory_equal(c, "bc", 2);
    c = path_next(c + len, &len);
    assert_int_equal(len, 1);
    assert_memory_equal(c, "d", 1);
    c = path_next(c + len, &len);
    assert_null(c);
    assert_int_equal(len, 0);
    assert_null(path_next("", &len));
    assert_null(path_next("///", &len));
}

static void test_dots_and_misc(void **state __attribute__((unused)))
{
    assert_true(path_is_dot(".", 1));
    assert_false(path_is_dot("..", 2));
    assert_true(path_is_dotdot("..", 2));
    assert_false(path_is_dotdot("...", 3));
    assert_false(path_is_dotdot(".a", 2));

    assert_string_equal(path_basename("/a/b"), "b");
    assert_string_equal(path_basename("/"), "");
    assert_string_equal(path_basename("name"), "name");

    assert_true(path_is_under("/a/b", "/a"));
    assert_true(path_is_under("/a", "/a"));
    assert_false(path_is_under("/ab", "/a"));
    assert_true(path_is_under("/anything", "/"));
    assert_false(path_is_under("/a", "/a/b"));

    assert_true(path_has_trailing_slash("a/"));
    assert_true(path_has_trailing_slash("/a//"));
    assert_false(path_has_trailing_slash("/"));
    assert_false(path_has_trailing_slash("///"));
    assert_false(path_has_trailing_slash("a"));
    assert_false(path_has_trailing_slash(""));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_normalize_absolute),
        cmocka_unit_test(test_normalize_dotdot),
        cmocka_unit_test(test_normalize_relative),
        cmocka_unit_test(test_normalize_long_names),
        cmocka_unit_test(test_normalize_total_length),
        cmocka_unit_test(test_join),
        cmocka_unit_test(test_push_pop),
        cmocka_unit_test(test_next_component),
        cmocka_unit_test(test_dots_and_misc),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
