/*  fuzz_observation: observation rows decoded and checked against the
    Linping catalog (data/plans/linping-2021-2025, or the plan directory in
    STI_FUZZ_PLAN), loaded once.

    The input is one MessagePack message: a row, or an array of rows (as the
    body of obs.submit carries them). Any input: no crash, no leak, at most
    `cap` problems per row, each with a reason, and a refused row always has
    at least one. A row that passes is written again from the decoded fields
    (period as its canonical text, the value as submitted, in the unit
    submitted) and must pass again to the same indicator, org, period and
    value. Accepted rows go through the duplicate-key set, which must find a
    repeated key and never exceed its capacity.
*/
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sti_catalog.h"
#include "sti_catalog_io.h"
#include "sti_observation.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

//  A property the code promises; breaking it is a bug the fuzzer reports.
#define S_REQUIRE(condition)                                                                       \
    do {                                                                                           \
        if (!(condition)) {                                                                        \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

#define S_ROWS_MAX 64 // rows of one input looked at

//  The catalog, loaded on the first input and kept (libFuzzer never exits
//  cleanly, so it is left for the process to drop).
static sti_catalog_t *s_catalog;

static const sti_catalog_t *s_catalog_get(void)
{
    if (!s_catalog) {
        const char *dir = getenv("STI_FUZZ_PLAN");
        char path[4096];
        if (!dir) {
            snprintf(path, sizeof path, "%s/data/plans/linping-2021-2025", STI_SOURCE_DIR);
            dir = path;
        }
        char err[512];
        s_catalog = sti_catalog_load_dir(dir, err, sizeof err);
        if (!s_catalog) {
            fprintf(stderr, "fuzz_observation: cannot load %s: %s\n", dir, err);
            abort();
        }
    }
    return s_catalog;
}

//  Writes the accepted row again from its decoded fields.
static void s_write_row(sti_writer_t *writer, const sti_observation_t *obs)
{
    size_t pairs = 4 + (obs->has_unit ? 1 : 0) + (obs->source[0] ? 1 : 0) + (obs->note[0] ? 1 : 0);
    sti_writer_map(writer, pairs);
    sti_writer_kv_str(writer, "indicator", obs->indicator);
    sti_writer_kv_str(writer, "org", obs->org);
    sti_writer_kv_str(writer, "period", obs->period_text);
    sti_writer_kv_double(writer, "value", obs->submitted_value);
    if (obs->has_unit) {
        sti_writer_kv_str(writer, "unit", obs->unit);
    }
    if (obs->source[0]) {
        sti_writer_kv_str(writer, "source", obs->source);
    }
    if (obs->note[0]) {
        sti_writer_kv_str(writer, "note", obs->note);
    }
}

//  The accepted row, written again, must be accepted to the same values.
static void s_round_trip(const sti_catalog_t *catalog, const sti_observation_t *obs)
{
    sti_writer_t *writer = sti_writer_new();
    s_write_row(writer, obs);
    size_t size;
    const void *bytes = sti_writer_data(writer, &size);
    char err[256];
    sti_reader_t *reader = sti_reader_new(bytes, size, NULL, err, sizeof err);
    S_REQUIRE(reader);
    sti_observation_t again;
    sti_field_error_t errors[STI_OBSERVATION_ERRORS];
    size_t count = 0;
    S_REQUIRE(sti_observation_check(sti_reader_root(reader), catalog, &again, errors,
                                    STI_OBSERVATION_ERRORS, &count) == 0);
    S_REQUIRE(count == 0 && again.bad == 0);
    S_REQUIRE(strcmp(again.indicator, obs->indicator) == 0 && strcmp(again.org, obs->org) == 0);
    S_REQUIRE(strcmp(again.period_text, obs->period_text) == 0);
    S_REQUIRE(again.value == obs->value && again.submitted_value == obs->submitted_value);
    S_REQUIRE(strcmp(again.source, obs->source) == 0 && strcmp(again.note, obs->note) == 0);
    sti_reader_destroy(&reader);
    sti_writer_destroy(&writer);
}

//  Checks one row; returns true when it was accepted.
static bool s_row(const sti_catalog_t *catalog, sti_node_t row, sti_observation_t *obs)
{
    sti_field_error_t errors[STI_OBSERVATION_ERRORS];
    size_t count = 0;
    int rc = sti_observation_check(row, catalog, obs, errors, STI_OBSERVATION_ERRORS, &count);
    S_REQUIRE(count <= STI_OBSERVATION_ERRORS);
    for (size_t i = 0; i < count; i++) {
        S_REQUIRE(errors[i].reason[0] != 0);
        S_REQUIRE(memchr(errors[i].field, 0, sizeof errors[i].field));
        S_REQUIRE(memchr(errors[i].reason, 0, sizeof errors[i].reason));
    }
    if (rc != 0) {
        S_REQUIRE(count > 0);
        return false;
    }
    S_REQUIRE(count == 0 && obs->bad == 0);
    s_round_trip(catalog, obs);
    return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const sti_catalog_t *catalog = s_catalog_get();
    char err[256];
    sti_reader_t *reader = sti_reader_new(data, size, NULL, err, sizeof err);
    if (!reader) {
        return 0;
    }
    sti_node_t root = sti_reader_root(reader);
    bool many = sti_node_type(root) == STI_TYPE_ARRAY;
    size_t rows = many ? sti_node_size(root) : 1;
    rows = rows < S_ROWS_MAX ? rows : S_ROWS_MAX;
    sti_observation_keys_t *keys = sti_observation_keys_new(S_ROWS_MAX / 2);
    size_t added = 0;
    for (size_t i = 0; i < rows; i++) {
        sti_observation_t obs;
        if (!s_row(catalog, many ? sti_node_at(root, i) : root, &obs)) {
            continue;
        }
        size_t earlier = SIZE_MAX;
        int rc = sti_observation_keys_add(keys, &obs, i, &earlier);
        if (rc == 0) {
            added++;
            S_REQUIRE(added <= S_ROWS_MAX / 2);
            //  the same key again is found, naming this row
            S_REQUIRE(sti_observation_keys_add(keys, &obs, i + 1000, &earlier) == 1);
            S_REQUIRE(earlier == i);
        } else if (rc == 1) {
            S_REQUIRE(earlier < i);
        } else {
            S_REQUIRE(rc == -1 && added == S_ROWS_MAX / 2);
        }
    }
    sti_observation_keys_destroy(&keys);
    sti_reader_destroy(&reader);
    return 0;
}
