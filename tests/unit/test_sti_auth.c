/*  test_sti_auth: roles, the identity frame, key pairs, write rate limits. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <czmq.h>
#include <string.h>
#include <sys/stat.h>

#include "sti_auth.h"
#include "sti_curve.h"
#include "sti_ratelimit.h"

static void test_roles(void **state)
{
    (void)state;
    assert_int_equal(sti_role_parse("clerk"), STI_ROLE_CLERK);
    assert_int_equal(sti_role_parse("root"), 0);
    assert_int_equal(sti_role_parse(NULL), 0);
    assert_string_equal(sti_role_name(STI_ROLE_OFFICER), "officer");
    //  A zero entry is admin only; admin may call everything.
    assert_true(sti_role_allowed(0, STI_ROLE_ADMIN));
    assert_false(sti_role_allowed(0, STI_ROLE_READER));
    assert_false(sti_role_allowed(0, STI_ROLE_SERVICE));
    assert_true(sti_role_allowed(STI_ROLE_CLERK, STI_ROLE_ADMIN));
    assert_true(sti_role_allowed(STI_ROLE_CLERK | STI_OP_WRITE, STI_ROLE_CLERK));
    assert_false(sti_role_allowed(STI_ROLE_CLERK | STI_OP_WRITE, STI_ROLE_READER));
    assert_false(sti_role_allowed(STI_ROLES_ANY, 0)); // no role: nothing
    //  The write flag is not a role.
    assert_false(sti_role_allowed(STI_OP_WRITE, STI_OP_WRITE));
    //  An op for the listed roles only: admin is not implied.
    assert_true(sti_role_allowed(STI_ROLE_OFFICER | STI_OP_LISTED_ONLY, STI_ROLE_OFFICER));
    assert_false(sti_role_allowed(STI_ROLE_OFFICER | STI_OP_LISTED_ONLY, STI_ROLE_ADMIN));
    assert_false(sti_role_allowed(STI_OP_LISTED_ONLY, STI_ROLE_ADMIN));
    assert_false(sti_role_allowed(STI_OP_LISTED_ONLY, STI_OP_LISTED_ONLY));
    unsigned roles = 0;
    char err[128];
    assert_int_equal(sti_roles_parse("reader,clerk", &roles, err, sizeof err), 0);
    assert_int_equal(roles, STI_ROLE_READER | STI_ROLE_CLERK);
    assert_int_equal(sti_roles_parse("reader,,x", &roles, err, sizeof err), -1);
    //  A gateway may call nothing as itself: no op lists it, admin's or any.
    assert_int_equal(sti_role_parse("gateway"), STI_ROLE_GATEWAY);
    assert_false(sti_role_allowed(STI_ROLES_ANY, STI_ROLE_GATEWAY));
    assert_false(sti_role_allowed(0, STI_ROLE_GATEWAY));
}

static void test_identity_frame(void **state)
{
    (void)state;
    sti_identity_t in, out;
    sti_identity_set(&in, "王 clerk", "clerk", "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7");
    size_t size = 0;
    void *data = sti_identity_encode(&in, &size);
    char err[160];
    assert_int_equal(sti_identity_decode(data, size, &out, err, sizeof err), 0);
    assert_string_equal(out.name, "王 clerk");
    assert_string_equal(out.role, "clerk");
    assert_int_equal(out.role_bit, STI_ROLE_CLERK);
    assert_string_equal(out.key, in.key);
    free(data);
    //  local/admin without CURVE.
    sti_identity_local(&in);
    assert_string_equal(in.name, "local");
    assert_int_equal(in.role_bit, STI_ROLE_ADMIN);
    assert_string_equal(in.key, "");
    //  A role that is not ours keeps its text but no bit; a bad name falls back.
    sti_identity_set(&in, "bad\nname", "root", NULL);
    assert_int_equal(in.role_bit, 0);
    assert_string_equal(in.role, "root");
    assert_string_equal(in.name, "unnamed");
}

static void test_identity_hostile(void **state)
{
    (void)state;
    sti_identity_t out;
    char err[160];
    //  Not msgpack, a string, a map with another key, a wrong type, too big.
    assert_int_equal(sti_identity_decode("\xc1", 1, &out, err, sizeof err), -1);
    assert_int_equal(out.role_bit, 0);
    assert_int_equal(sti_identity_decode("\xa3"
                                         "abc",
                                         4, &out, err, sizeof err),
                     -1);
    const char extra[] = "\x84\xa4name\xa1x\xa4role\xa5"
                         "admin\xa3key\xa0\xa1z\xa0";
    assert_int_equal(sti_identity_decode(extra, sizeof extra - 1, &out, err, sizeof err), -1);
    const char typed[] = "\x83\xa4name\x01\xa4role\xa5"
                         "admin\xa3key\xa0";
    assert_int_equal(sti_identity_decode(typed, sizeof typed - 1, &out, err, sizeof err), -1);
    assert_int_equal(out.role_bit, 0);
    char big[STI_AUTH_FRAME_MAX + 1];
    memset(big, 0xa0, sizeof big);
    assert_int_equal(sti_identity_decode(big, sizeof big, &out, err, sizeof err), -1);
    //  2^32-1 map pairs declared in five bytes.
    assert_int_equal(sti_identity_decode("\xdf\xff\xff\xff\xff", 5, &out, err, sizeof err), -1);
    const char good[] = "\x83\xa4name\xa1x\xa4role\xa5"
                        "admin\xa3key\xa0";
    assert_int_equal(sti_identity_decode(good, sizeof good - 1, &out, err, sizeof err), 0);
    assert_int_equal(out.role_bit, STI_ROLE_ADMIN);
}

static void test_keys(void **state)
{
    (void)state;
    char dir[] = "/tmp/sti-auth-test-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char err[256];
    assert_int_equal(sti_curve_keys_new(dir, "alice", "clerk", NULL, NULL, err, sizeof err), 0);
    //  Not twice, not a bad role, not a path.
    assert_int_equal(sti_curve_keys_new(dir, "alice", "clerk", NULL, NULL, err, sizeof err), -1);
    assert_int_equal(sti_curve_keys_new(dir, "bob", "root", NULL, NULL, err, sizeof err), -1);
    assert_int_equal(sti_curve_keys_new(dir, "../bob", "clerk", NULL, NULL, err, sizeof err), -1);
    //  A service and streams: only for role service, and only usable ones.
    assert_int_equal(sti_curve_keys_new(dir, "c1", "clerk", "sti.talent", NULL, err, sizeof err),
                     -1);
    assert_non_null(strstr(err, "only for role service"));
    //  A gateway key serves its own service, and publishes nothing.
    assert_int_equal(sti_curve_keys_new(dir, "g1", "gateway", NULL, "ind", err, sizeof err), -1);
    assert_non_null(strstr(err, "streams are only for role service"));
    assert_int_equal(sti_curve_keys_new(dir, "gw", "gateway", "sti.gateway", NULL, err, sizeof err),
                     0);
    assert_int_equal(sti_curve_keys_new(dir, "s1", "service", "mmi.x", NULL, err, sizeof err), -1);
    assert_int_equal(sti_curve_keys_new(dir, "s1", "service", "a b", NULL, err, sizeof err), -1);
    assert_int_equal(sti_curve_keys_new(dir, "s1", "service", NULL, "tal,", err, sizeof err), -1);
    assert_int_equal(sti_curve_keys_new(dir, "s1", "service", NULL, "t.l", err, sizeof err), -1);
    assert_int_equal(
        sti_curve_keys_new(dir, "talent", "service", "sti.talent", "tal,x-1", err, sizeof err), 0);
    char talent[512];
    snprintf(talent, sizeof talent, "%s/talent", dir);
    zcert_t *bound = zcert_load(talent);
    assert_non_null(bound);
    assert_string_equal(zcert_meta(bound, "service"), "sti.talent");
    assert_string_equal(zcert_meta(bound, "streams"), "tal,x-1");
    zcert_destroy(&bound);
    remove(talent);
    strcat(talent, "_secret");
    remove(talent);
    assert_true(sti_curve_streams_valid("ind"));
    assert_true(sti_curve_streams_valid("ind,tal,ntf"));
    assert_false(sti_curve_streams_valid(""));
    assert_false(sti_curve_streams_valid(",ind"));
    assert_false(sti_curve_streams_valid("ind,,tal"));
    assert_false(sti_curve_streams_valid("abcdefghijklmnopq")); // 17 characters
    assert_true(sti_curve_streams_has("ind,tal", "tal", 3));
    assert_true(sti_curve_streams_has("ind,tal", "ind.x", 3));
    assert_false(sti_curve_streams_has("ind,tal", "ta", 2));
    assert_false(sti_curve_streams_has("ind,tal", "", 0));
    assert_false(sti_curve_streams_has("", "ind", 3));
    assert_false(sti_curve_streams_has(NULL, "ind", 3));
    char path[512], secret[520];
    snprintf(path, sizeof path, "%s/alice", dir);
    snprintf(secret, sizeof secret, "%s/alice_secret", dir);
    struct stat st;
    assert_int_equal(stat(secret, &st), 0);
    assert_int_equal(st.st_mode & 077, 0); // the secret is private
    zcert_t *cert = sti_curve_load_secret(secret, err, sizeof err);
    assert_non_null(cert);
    assert_string_equal(zcert_meta(cert, "role"), "clerk");
    assert_string_equal(zcert_meta(cert, "name"), "alice");
    //  A public certificate alone has no secret (zcert_load would read
    //  NAME_secret next to it, so the copy has another name).
    char copy[520];
    snprintf(copy, sizeof copy, "%s/alice.pub", dir);
    zcert_t *pub = zcert_load(path);
    assert_int_equal(zcert_save_public(pub, copy), 0);
    zcert_destroy(&pub);
    assert_null(sti_curve_load_secret(copy, err, sizeof err));
    assert_non_null(strstr(err, "no secret"));
    remove(copy);
    char key[STI_AUTH_KEY_LEN + 1];
    assert_int_equal(sti_curve_public_key(path, key, err, sizeof err), 0);
    assert_string_equal(key, zcert_public_txt(cert));
    char again[STI_AUTH_KEY_LEN + 1];
    assert_int_equal(sti_curve_public_key(key, again, err, sizeof err), 0);
    assert_string_equal(again, key);
    assert_int_equal(sti_curve_public_key("nonsense", again, err, sizeof err), -1);
    zcert_destroy(&cert);
    remove(path);
    remove(secret);
    rmdir(dir);
}

static void test_ratelimit(void **state)
{
    (void)state;
    sti_ratelimit_t *limit = sti_ratelimit_new(10, 3, 4);
    int64_t retry = 0;
    for (int i = 0; i < 3; i++) {
        assert_true(sti_ratelimit_take(limit, "a", 1000, &retry));
    }
    assert_false(sti_ratelimit_take(limit, "a", 1000, &retry));
    assert_int_equal(retry, 100); // one token every 100 ms
    assert_false(sti_ratelimit_take(limit, "a", 1050, &retry));
    assert_int_equal(retry, 50);
    assert_true(sti_ratelimit_take(limit, "a", 1100, &retry));
    //  Another caller has its own bucket.
    assert_true(sti_ratelimit_take(limit, "b", 1100, &retry));
    //  The cap: idle (full) buckets go first; without any, the older half.
    assert_true(sti_ratelimit_take(limit, "c", 1100, &retry));
    assert_true(sti_ratelimit_take(limit, "d", 1100, &retry));
    assert_int_equal(sti_ratelimit_size(limit), 4);
    assert_true(sti_ratelimit_take(limit, "e", 1100, &retry));
    assert_true(sti_ratelimit_size(limit) <= 4);
    for (int i = 0; i < 1000; i++) {
        char name[16];
        snprintf(name, sizeof name, "n%d", i);
        sti_ratelimit_take(limit, name, 2000 + i, &retry);
        assert_true(sti_ratelimit_size(limit) <= 4);
    }
    sti_ratelimit_destroy(&limit);
    sti_ratelimit_destroy(&limit);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roles),
        cmocka_unit_test(test_identity_frame),
        cmocka_unit_test(test_identity_hostile),
        cmocka_unit_test(test_keys),
        cmocka_unit_test(test_ratelimit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
