/*  fuzz_catalog: the catalog reader (sti_catalog_decode) on arbitrary bytes.

    Any input: no crash, no leak, a reason when refused. A catalog that
    decodes is written again with sti_catalog_write; that must decode, and
    writing the result must give the same bytes (writing is canonical).
*/
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sti_catalog.h"
#include "sti_catalog_io.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

//  A property the code promises; breaking it is a bug the fuzzer reports.
#define S_REQUIRE(condition)                                                                       \
    do {                                                                                           \
        if (!(condition)) {                                                                        \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[512] = "";
    sti_catalog_t *catalog = sti_catalog_decode(data, size, err, sizeof err);
    if (!catalog) {
        S_REQUIRE(err[0] != 0);
        return 0;
    }
    sti_writer_t *first = sti_writer_new();
    sti_catalog_write(catalog, first);
    size_t first_size;
    const void *first_bytes = sti_writer_data(first, &first_size);
    sti_catalog_t *again = sti_catalog_decode(first_bytes, first_size, err, sizeof err);
    S_REQUIRE(again != NULL);
    sti_writer_t *second = sti_writer_new();
    sti_catalog_write(again, second);
    size_t second_size;
    const void *second_bytes = sti_writer_data(second, &second_size);
    S_REQUIRE(first_size == second_size && memcmp(first_bytes, second_bytes, first_size) == 0);
    sti_writer_destroy(&second);
    sti_writer_destroy(&first);
    sti_catalog_destroy(&again);
    sti_catalog_destroy(&catalog);
    return 0;
}
