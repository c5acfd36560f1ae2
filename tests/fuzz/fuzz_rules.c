/*  fuzz_rules: sti-notify's rule reader (notify_rule_read, links
    notify_core) and the duration and size parser (sti_quantity), on
    arbitrary bytes.

    Any input: no crash, no leak, a reason when a rule is refused. A rule
    that reads is written again (unmasked) and must read again, and writing
    that must give the same bytes. The input as text also goes through
    sti_quantity_parse, as a duration and as a size: what it accepts is not
    negative, and written back (sti_quantity_format) it reads as the same
    value.
*/
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "notify_rule.h"
#include "sti_quantity.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

//  A property the code promises; breaking it is a bug the fuzzer reports.
#define S_REQUIRE(condition)                                                                       \
    do {                                                                                           \
        if (!(condition)) {                                                                        \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

static void s_quantity(const uint8_t *data, size_t size)
{
    char text[64];
    size_t len = size < sizeof text - 1 ? size : sizeof text - 1;
    memcpy(text, data, len);
    text[len] = 0;
    for (int kind = STI_QUANTITY_DURATION; kind <= STI_QUANTITY_SIZE; kind++) {
        int64_t value = -1, again = -1;
        if (sti_quantity_parse((sti_quantity_kind_t)kind, text, STI_QUANTITY_BARE_ONE, &value) ==
            0) {
            char written[STI_QUANTITY_TEXT_MAX];
            S_REQUIRE(value >= 0);
            sti_quantity_format((sti_quantity_kind_t)kind, value, written, sizeof written);
            S_REQUIRE(sti_quantity_parse((sti_quantity_kind_t)kind, written, STI_QUANTITY_BARE_NONE,
                                         &again) == 0 &&
                      again == value);
        }
    }
}

//  Writes rule into a new writer (caller destroys).
static sti_writer_t *s_write(const notify_rule_t *rule)
{
    sti_writer_t *writer = sti_writer_new();
    notify_rule_write(rule, writer, false);
    return writer;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    s_quantity(data, size);
    char err[256];
    sti_reader_t *reader = sti_reader_new(data, size, NULL, err, sizeof err);
    if (!reader) {
        return 0;
    }
    notify_rule_t *rule = calloc(2, sizeof *rule);
    sti_field_error_t ferr = {"", ""};
    if (notify_rule_read(sti_reader_root(reader), &rule[0], &ferr) != 0) {
        S_REQUIRE(ferr.reason[0] != 0);
    } else {
        sti_writer_t *first = s_write(&rule[0]);
        size_t first_size;
        const void *first_bytes = sti_writer_data(first, &first_size);
        sti_reader_t *again = sti_reader_new(first_bytes, first_size, NULL, err, sizeof err);
        S_REQUIRE(again != NULL);
        S_REQUIRE(notify_rule_read(sti_reader_root(again), &rule[1], &ferr) == 0);
        sti_writer_t *second = s_write(&rule[1]);
        size_t second_size;
        const void *second_bytes = sti_writer_data(second, &second_size);
        S_REQUIRE(first_size == second_size && memcmp(first_bytes, second_bytes, first_size) == 0);
        sti_writer_destroy(&second);
        sti_reader_destroy(&again);
        sti_writer_destroy(&first);
    }
    free(rule);
    sti_reader_destroy(&reader);
    return 0;
}
