/*  talent_mask: the masked forms of personal data that every answer shows.

    - document number: the first 4 and last 4 characters kept, the rest
      replaced one for one by '*' (3301**********1234); a number of 6 to 11
      characters keeps 2 and 2, a shorter one is all '*';
    - phone: the first 3 and last 4 kept (138****5678, +44******0123); a number
      of fewer than 11 characters keeps 2 and 2;
    - e-mail: the first character of the local part, then "***", then the
      domain (z***@example.com), whatever the local part's length.

    Masks count characters, not bytes: a multi-byte UTF-8 character is kept or
    replaced whole, and a byte that is not valid UTF-8 is never copied (it
    becomes '?' when kept), so the result is always valid UTF-8. Nothing here
    allocates.
*/
#pragma once
#include <stddef.h>

//  Room for any mask of a value the registry accepts (e-mail: 254 + 3 + NUL).
#define TALENT_MASK_MAX 260

//  Each writes the masked form of text into buf (cap bytes, NUL-terminated)
//  and returns 0, or -1 when it does not fit (buf is then "").
int talent_mask_document(const char *text, char *buf, size_t cap);
int talent_mask_phone(const char *text, char *buf, size_t cap);
int talent_mask_email(const char *text, char *buf, size_t cap);
//  The general form: keeps head characters at the start and tail at the end,
//  and replaces every character between with '*'. When the text has no more
//  than head + tail characters, every character is replaced.
int talent_mask_keep(const char *text, size_t head, size_t tail, char *buf, size_t cap);
