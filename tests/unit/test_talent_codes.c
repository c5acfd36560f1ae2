/*  Unit tests of talent_codes: the plan's talent.json loads with the codes
    the registry accepts, and every kind of broken file is refused with a
    reason naming the place.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sti_json.h"
#include "talent_codes.h"
#include "talent_plan.h"

static void test_plan_file(void **state)
{
    (void)state;
    char dir[4096], err[256] = "";
    talent_test_plan_dir(dir, sizeof dir);
    talent_codes_t *codes = talent_codes_load_plan(dir, err, sizeof err);
    if (!codes) {
        fail_msg("%s", err);
    }
    const char *levels[] = {"top", "national", "provincial", "municipal", "district", "other"};
    const char *fields[] = {"equipment",           "biomedicine", "fashion",
                            "industrial_internet", "future",      "other"};
    const char *channels[] = {"overseas_station", "overseas_base", "university_alliance", "direct",
                              "other"};
    assert_int_equal(talent_codes_count(codes, TALENT_LEVEL), 6);
    assert_int_equal(talent_codes_count(codes, TALENT_FIELD), 6);
    assert_int_equal(talent_codes_count(codes, TALENT_CHANNEL), 5);
    for (size_t i = 0; i < 6; i++) {
        assert_string_equal(talent_codes_at(codes, TALENT_LEVEL, i)->code, levels[i]);
        assert_string_equal(talent_codes_at(codes, TALENT_FIELD, i)->code, fields[i]);
    }
    for (size_t i = 0; i < 5; i++) {
        const talent_code_t *channel = talent_codes_at(codes, TALENT_CHANNEL, i);
        assert_string_equal(channel->code, channels[i]);
        assert_int_equal(channel->requires_station, i == 0);
        assert_true(strlen(channel->name_zh) > 0 && strlen(channel->name_en) > 0);
    }
    assert_null(talent_codes_at(codes, TALENT_CHANNEL, 5));
    assert_string_equal(talent_codes_find(codes, TALENT_FIELD, "equipment")->name_zh,
                        "高端装备制造");
    assert_string_equal(talent_codes_find(codes, TALENT_FIELD, "biomedicine")->name_zh,
                        "生物医药与健康");
    assert_string_equal(talent_codes_find(codes, TALENT_FIELD, "fashion")->name_zh, "时尚智造");
    assert_string_equal(talent_codes_find(codes, TALENT_FIELD, "industrial_internet")->name_zh,
                        "工业互联网");
    assert_string_equal(talent_codes_find(codes, TALENT_FIELD, "future")->name_zh, "未来产业");
    assert_null(talent_codes_find(codes, TALENT_LEVEL, "equipment"));

    assert_int_equal(talent_codes_indicator_count(codes), 2);
    const talent_indicator_t *all = talent_codes_indicator_at(codes, 0);
    const talent_indicator_t *overseas = talent_codes_indicator_at(codes, 1);
    assert_string_equal(all->code, "registered_talents");
    assert_string_equal(all->unit, "人");
    assert_string_equal(all->kind, "stock");
    assert_string_equal(all->aggregation, "sum");
    assert_string_equal(all->category, "talent");
    assert_string_equal(all->source, "talent-registry");
    assert_false(all->has_baseline);
    assert_true(all->counts_active_only);
    assert_int_equal(all->counts_overseas, -1);
    assert_string_equal(overseas->code, "registered_overseas_talents");
    assert_false(overseas->has_baseline);
    assert_int_equal(overseas->counts_overseas, 1);
    assert_null(talent_codes_indicator_at(codes, 2));

    char reason[160];
    assert_int_equal(talent_codes_check(codes, TALENT_LEVEL, "top", reason, sizeof reason), 0);
    assert_int_equal(talent_codes_check(codes, TALENT_LEVEL, "nobel", reason, sizeof reason), -1);
    assert_string_equal(reason, "unknown level 'nobel' (one of top, national, provincial, "
                                "municipal, district, other)");
    assert_int_equal(talent_codes_check(codes, TALENT_CHANNEL, "x\xff", reason, sizeof reason), -1);
    assert_non_null(strstr(reason, "unknown channel (one of overseas_station"));
    talent_codes_destroy(&codes);
    talent_codes_destroy(&codes);
    assert_null(codes);
}

//  A minimal valid file with one replaceable part.
#define LISTS_OK                                                                                   \
    "\"levels\":[{\"code\":\"top\",\"name_zh\":\"顶尖\",\"name_en\":\"Top\"}],"                  \
    "\"fields\":[{\"code\":\"other\",\"name_zh\":\"其他\",\"name_en\":\"Other\"}],"              \
    "\"channels\":[{\"code\":\"direct\",\"name_zh\":\"直接\",\"name_en\":\"Direct\"}]"
#define INDICATOR(extra)                                                                           \
    "{\"code\":\"n\",\"name_zh\":\"数\",\"name_en\":\"N\",\"unit\":\"人\",\"direction\":\"up\"," \
    "\"kind\":\"stock\",\"aggregation\":\"sum\",\"category\":\"talent\",\"source\":\"s\","         \
    "\"counts\":{\"status\":\"active\"}" extra "}"

static void s_refused(const char *text, const char *fragment)
{
    char err[256] = "";
    talent_codes_t *codes = talent_codes_parse(text, strlen(text), err, sizeof err);
    if (codes) {
        talent_codes_destroy(&codes);
        fail_msg("accepted: %s", text);
    }
    if (!strstr(err, fragment)) {
        fail_msg("reason \"%s\" lacks \"%s\"", err, fragment);
    }
}

static void test_minimal_and_baseline(void **state)
{
    (void)state;
    const char *text =
        "{" LISTS_OK
        ",\"indicators\":[" INDICATOR(",\"baseline\":12,\"baseline_period\":\"2020\"") "]}";
    char err[256] = "";
    talent_codes_t *codes = talent_codes_parse(text, strlen(text), err, sizeof err);
    if (!codes) {
        fail_msg("%s", err);
    }
    const talent_indicator_t *ind = talent_codes_indicator_at(codes, 0);
    assert_true(ind->has_baseline);
    assert_true(ind->baseline == 12.0);
    assert_string_equal(ind->baseline_period, "2020");
    talent_codes_destroy(&codes);
}

static void test_broken_files(void **state)
{
    (void)state;
    s_refused("", "not a JSON object");
    s_refused("[]", "not a JSON object");
    s_refused("{\"levels\":[", "not a JSON object");
    s_refused("{" LISTS_OK "}", "indicators: missing");
    s_refused("{" LISTS_OK ",\"indicators\":[],\"extra\":1}", "unknown key 'extra'");
    s_refused("{\"fields\":[],\"channels\":[],\"indicators\":[]}", "levels: missing");
    s_refused("{\"levels\":{},\"fields\":[],\"channels\":[],\"indicators\":[]}",
              "levels: must be an array");
    s_refused("{\"levels\":[],\"fields\":[],\"channels\":[],\"indicators\":[]}",
              "levels: must have 1 to 64 entries");
    s_refused("{\"levels\":[1]}", "levels[0]: must be an object");
    s_refused("{\"levels\":[{\"code\":\"Top\",\"name_zh\":\"a\",\"name_en\":\"b\"}]}",
              "levels[0].code: must be 1 to 32 of a-z 0-9 _");
    s_refused("{\"levels\":[{\"code\":\"top\",\"name_en\":\"b\"}]}", "levels[0].name_zh: missing");
    s_refused("{\"levels\":[{\"code\":\"top\",\"name_zh\":7,\"name_en\":\"b\"}]}",
              "levels[0].name_zh: must be a string");
    s_refused("{\"levels\":[{\"code\":\"top\",\"name_zh\":\"\",\"name_en\":\"b\"}]}",
              "levels[0].name_zh: must be 1 to 128 bytes");
    s_refused("{\"levels\":[{\"code\":\"top\",\"name_zh\":\"a\\u0001\",\"name_en\":\"b\"}]}",
              "levels[0].name_zh: must be UTF-8 text");
    s_refused("{\"levels\":[{\"code\":\"top\",\"name_zh\":\"\xc3\x28\",\"name_en\":\"b\"}]}",
              "must be UTF-8 text");
    s_refused("{\"levels\":[{\"code\":\"top\",\"name_zh\":\"a\",\"name_en\":\"b\",\"x\":1}]}",
              "levels[0]: unknown key 'x'");
    s_refused("{\"levels\":[{\"code\":\"top\",\"name_zh\":\"a\",\"name_en\":\"b\"},"
              "{\"code\":\"top\",\"name_zh\":\"a\",\"name_en\":\"b\"}]}",
              "levels[1].code: 'top' appears twice");
    s_refused("{\"levels\":[{\"code\":\"top\",\"name_zh\":\"a\",\"name_en\":\"b\","
              "\"requires_station\":true}]}",
              "only channels name a station");
    s_refused("{\"levels\":[{\"code\":\"top\",\"name_zh\":\"a\",\"name_en\":\"b\","
              "\"requires_station\":1}]}",
              "requires_station: must be true or false");
    s_refused("{" LISTS_OK ",\"indicators\":{}}", "indicators: must be an array");
    s_refused("{" LISTS_OK ",\"indicators\":[" INDICATOR(",\"baseline\":\"x\"") "]}",
              "indicators[0].baseline: must be a number or null");
    s_refused("{" LISTS_OK ",\"indicators\":[" INDICATOR(",\"baseline\":1") "]}",
              "indicators[0].baseline_period: missing");
    s_refused("{" LISTS_OK ",\"indicators\":[" INDICATOR(",\"nope\":1") "]}",
              "indicators[0]: unknown key 'nope'");
    s_refused("{" LISTS_OK ",\"indicators\":[" INDICATOR("") "," INDICATOR("") "]}",
              "indicators[1].code: 'n' appears twice");
    s_refused("{" LISTS_OK ",\"indicators\":[{\"code\":\"n\"}]}", "indicators[0].name_zh: missing");
    s_refused("{" LISTS_OK ",\"indicators\":[{\"code\":\"n\",\"name_zh\":\"a\",\"name_en\":\"b\","
              "\"unit\":\"人\",\"direction\":\"left\"}]}",
              "indicators[0].direction: 'left' is not one of");
    s_refused("{" LISTS_OK ",\"indicators\":[{\"code\":\"n\",\"name_zh\":\"数\",\"name_en\":"
              "\"N\",\"unit\":\"人\",\"direction\":\"up\",\"kind\":\"stock\",\"aggregation\":"
              "\"sum\",\"category\":\"talent\",\"source\":\"s\",\"counts\":{\"status\":"
              "\"gone\"}}]}",
              "indicators[0].counts.status: 'gone' is not one of");
    s_refused("{" LISTS_OK ",\"indicators\":[{\"code\":\"n\",\"name_zh\":\"数\",\"name_en\":"
              "\"N\",\"unit\":\"人\",\"direction\":\"up\",\"kind\":\"stock\",\"aggregation\":"
              "\"sum\",\"category\":\"talent\",\"source\":\"s\"}]}",
              "indicators[0].counts: missing");
}

static void test_load_errors(void **state)
{
    (void)state;
    char err[256] = "";
    assert_null(talent_codes_load("/nonexistent/talent.json", err, sizeof err));
    assert_non_null(strstr(err, "/nonexistent/talent.json: No such file"));
    assert_null(talent_codes_load_plan("/nonexistent", err, sizeof err));
    //  A directory is not a file.
    assert_null(talent_codes_load("/", err, sizeof err));
    //  Too large.
    char *big = malloc(TALENT_CODES_FILE_MAX + 2);
    memset(big, ' ', TALENT_CODES_FILE_MAX + 1);
    big[TALENT_CODES_FILE_MAX + 1] = 0;
    assert_null(talent_codes_parse(big, TALENT_CODES_FILE_MAX + 1, err, sizeof err));
    assert_non_null(strstr(err, "larger than"));
    free(big);
}

//  The registry's field codes are the plan's field tags (tags.json), so
//  talents and indicators speak of the same five fields.
static void test_fields_match_plan_tags(void **state)
{
    (void)state;
    char dir[4096], path[4200], err[256] = "";
    talent_test_plan_dir(dir, sizeof dir);
    talent_codes_t *codes = talent_codes_load_plan(dir, err, sizeof err);
    assert_non_null(codes);
    snprintf(path, sizeof path, "%s/tags.json", dir);
    FILE *file = fopen(path, "rb");
    if (!file) {
        talent_codes_destroy(&codes);
        skip();
    }
    static char text[1024 * 1024];
    size_t len = fread(text, 1, sizeof text - 1, file);
    fclose(file);
    text[len] = 0;
    cJSON *root = cJSON_Parse(text);
    assert_non_null(root);
    const cJSON *tags = cJSON_GetObjectItemCaseSensitive(root, "tags");
    size_t plan_fields = 0;
    const cJSON *tag;
    cJSON_ArrayForEach(tag, tags)
    {
        const cJSON *kind = cJSON_GetObjectItemCaseSensitive(tag, "kind");
        const cJSON *code = cJSON_GetObjectItemCaseSensitive(tag, "code");
        if (cJSON_IsString(kind) && strcmp(kind->valuestring, "field") == 0) {
            plan_fields++;
            if (!talent_codes_find(codes, TALENT_FIELD, code->valuestring)) {
                fail_msg("field tag '%s' of tags.json is not a field of talent.json",
                         code->valuestring);
            }
        }
    }
    //  Every field of the registry but "other" is a field of the plan.
    assert_int_equal(plan_fields + 1, talent_codes_count(codes, TALENT_FIELD));
    cJSON_Delete(root);
    talent_codes_destroy(&codes);
}

//  The MessagePack form (as the catalog in Redis carries talent.json) reads
//  as the text does, with the same checks.
static void test_decode(void **state)
{
    (void)state;
    char dir[4096], path[4200], err[256] = "";
    talent_test_plan_dir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/talent.json", dir);
    FILE *file = fopen(path, "rb");
    assert_non_null(file);
    static char text[TALENT_CODES_FILE_MAX];
    size_t len = fread(text, 1, sizeof text, file);
    fclose(file);
    sti_writer_t *writer = sti_writer_new();
    assert_int_equal(sti_json_text_to_writer(text, len, writer, err, sizeof err), 0);
    size_t size;
    const void *data = sti_writer_data(writer, &size);
    talent_codes_t *codes = talent_codes_decode(data, size, err, sizeof err);
    if (!codes) {
        fail_msg("%s", err);
    }
    talent_codes_t *from_text = talent_codes_parse(text, len, err, sizeof err);
    assert_non_null(from_text);
    for (int kind = 0; kind < TALENT_KIND_COUNT; kind++) {
        assert_int_equal(talent_codes_count(codes, (talent_code_kind_t)kind),
                         talent_codes_count(from_text, (talent_code_kind_t)kind));
    }
    assert_string_equal(talent_codes_indicator_at(codes, 1)->code,
                        talent_codes_indicator_at(from_text, 1)->code);
    assert_true(talent_codes_find(codes, TALENT_CHANNEL, "overseas_station")->requires_station);
    talent_codes_destroy(&codes);
    talent_codes_destroy(&from_text);
    //  Not a map, not MessagePack, a bad entry: refused with the reason.
    sti_writer_reset(writer);
    sti_writer_array(writer, 0);
    data = sti_writer_data(writer, &size);
    assert_null(talent_codes_decode(data, size, err, sizeof err));
    assert_string_equal(err, "not a map");
    assert_null(talent_codes_decode("\xc1", 1, err, sizeof err));
    sti_writer_reset(writer);
    const char *bad = "{\"levels\": [{\"code\": \"Top\", \"name_zh\": \"x\", \"name_en\": \"x\"}]}";
    assert_int_equal(sti_json_text_to_writer(bad, strlen(bad), writer, err, sizeof err), 0);
    data = sti_writer_data(writer, &size);
    assert_null(talent_codes_decode(data, size, err, sizeof err));
    assert_non_null(strstr(err, "levels[0].code: must be 1 to 32 of a-z 0-9 _"));
    sti_writer_destroy(&writer);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plan_file),
        cmocka_unit_test(test_decode),
        cmocka_unit_test(test_minimal_and_baseline),
        cmocka_unit_test(test_broken_files),
        cmocka_unit_test(test_load_errors),
        cmocka_unit_test(test_fields_match_plan_tags),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
