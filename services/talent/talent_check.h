/*  talent_check: the syntax checks of the talent registry's identifiers.

    - 居民身份证 numbers per GB 11643-1999: 17 digits and a check character
      (0-9 or X) computed with the ISO 7064 MOD 11-2 weights; the region code
      must start with 1-8 and the birth date inside must be a real date that
      is not in the future.
    - 统一社会信用代码 per GB 32100-2015: 18 characters from the 31-character
      set 0-9 A-H J-N P-R T U W-Y, the last one a MOD 31 check character.
    - Dates YYYY-MM-DD that exist on the calendar.
    - Phone numbers: a mainland mobile number (1[3-9] and 9 digits) or an
      international one (+ and 7 to 15 digits, E.164).
    - E-mail addresses: bounded, one @, a dot-atom local part and a domain of
      LDH labels with an alphabetic top-level label. Deliverability is not
      checked.
    - Registry ids: 1 to 32 characters of A-Z a-z 0-9 _ -.

    Every check takes a NUL-terminated string and returns 0, or -1 with a
    reason ("check digit is 5, expected X") written into reason (reason may
    be NULL; it is truncated to cap). Reasons about a 居民身份证 number
    quote none of its digits but the check character (they may reach logs). Nothing here
    allocates.
*/
#pragma once
#include <stdbool.h>
#include <stddef.h>

#define TALENT_RESIDENT_ID_LEN 18
#define TALENT_USCC_LEN 18
#define TALENT_EMAIL_MAX 254
#define TALENT_PHONE_MAX 16
#define TALENT_REGISTRY_ID_MAX 32

//  The check character of the first 17 digits of a 居民身份证 number
//  ('0'-'9' or 'X'), or 0 when digits17 is not 17 ASCII digits.
char talent_check_resident_id_char(const char *digits17);
//  Returns 0 if text is a valid 18-character 居民身份证 number, else -1.
//  On success, birth (may be NULL) receives the birth date as YYYYMMDD.
int talent_check_resident_id(const char *text, int *birth, char *reason, size_t cap);

//  The check character of the first 17 characters of a 统一社会信用代码, or 0
//  when one of them is not in the code's character set.
char talent_check_uscc_char(const char *chars17);
//  Returns 0 if text is a valid 统一社会信用代码, else -1 with a reason.
int talent_check_uscc(const char *text, char *reason, size_t cap);

//  True if the year, month and day name a day of the Gregorian calendar
//  (years 1 to 9999).
bool talent_check_ymd(int year, int month, int day);
//  Returns 0 if text is a real date written YYYY-MM-DD, else -1.
//  On success, ymd (may be NULL) receives the date as YYYYMMDD.
int talent_check_date(const char *text, int *ymd, char *reason, size_t cap);
//  Today's date in UTC as YYYYMMDD.
int talent_check_today(void);

//  Returns 0 if text is a mainland mobile or an E.164 number, else -1.
int talent_check_phone(const char *text, char *reason, size_t cap);
//  Returns 0 if text is a structurally valid e-mail address, else -1.
int talent_check_email(const char *text, char *reason, size_t cap);
//  Returns 0 if text is a valid registry id, else -1.
int talent_check_registry_id(const char *text, char *reason, size_t cap);
