/*  sti_quantity: durations and sizes as people write them, a whole number
    and a unit, and back:

      durations  "500ms", "2s", "1m", "1h", "1d"   (in milliseconds)
      sizes      "100B", "512KiB", "16MiB", "1GiB" (in bytes; binary units only)

    One parser for every place a person gives one: the settings of the
    configuration table (sti_config: STI_CONFIG_DURATION, STI_CONFIG_SIZE)
    and stictl's flags (stictl rule add --group-wait 30s, stictl silence add
    --for 2h). It takes digits and one unit, nothing else: no sign, no
    space, no fraction, no unit it does not know ("2w", "16MB": a size in
    decimal units is refused rather than guessed at), no overflow (a value
    that does not fit int64 is refused, never clamped). Whether a bare
    number is allowed, and what it counts, is the caller's to say, so a
    setting keeps the meaning it had (a *_ms setting counts milliseconds);
    so are the bounds of a value.
*/
#pragma once
#include <stddef.h>
#include <stdint.h>

typedef enum {
    STI_QUANTITY_DURATION, // milliseconds: ms, s, m, h, d
    STI_QUANTITY_SIZE,     // bytes: B, KiB, MiB, GiB, TiB
} sti_quantity_kind_t;

#define STI_QUANTITY_BARE_NONE 0 // bare: digits alone are refused (but "0")
#define STI_QUANTITY_BARE_ONE 1  // bare: digits alone count milliseconds, or bytes
#define STI_QUANTITY_BARE_S 1000 // bare: digits alone count seconds (a duration)
#define STI_QUANTITY_TEXT_MAX 24 // longest text sti_quantity_format writes, with its NUL

//  Parses text: digits, then one unit of kind; digits alone count bare
//  (STI_QUANTITY_BARE_*) each, and "0" alone is always 0. Returns 0 with
//  *value set (milliseconds or bytes), or -1 leaving *value alone.
int sti_quantity_parse(sti_quantity_kind_t kind, const char *text, int64_t bare, int64_t *value);
//  Writes value (>= 0) in the largest unit of kind that holds it whole:
//  "0", "250ms", "90s" (not "1.5m"), "2h", "100B", "16MiB". Returns buf.
const char *sti_quantity_format(sti_quantity_kind_t kind, int64_t value, char *buf, size_t cap);
