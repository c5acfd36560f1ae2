/*  talent_record: one talent of the registry, decoded from a MessagePack map
    with every field checked, and encoded masked for answers.

    A record as a client sends it (stictl talent add, or a raw request) is a
    map of these keys; any other key is refused:

      name        string, 1-128 bytes of text                     required
      gender      "male" | "female" | "other"                      optional
      birth_year  integer, 1900 to this year - 14                  optional
      id_type     "resident" | "passport" | "other"                required
      id_number   resident: GB 11643 number with its check digit;  required
                  passport: 5-20 of A-Z 0-9; other: 4-32 of A-Z 0-9 -
                  (letters are upper-cased first)
      phone       mainland mobile or +E.164                        optional
      email       address, at most 254 bytes                       optional
      category    a level code of talent.json                      required
      field       a field code of talent.json                      required
      employer    {name: 1-200 bytes, uscc: GB 32100 code}         optional
      channel     {kind: a channel code, station: 1-128 bytes}     required
                  (station exactly when the channel requires one)
      overseas    boolean (default false)                          optional
      arrived     YYYY-MM-DD, from 1950 to tomorrow (UTC)          required
      status      "active" | "left" (default active)               optional
      left_on     YYYY-MM-DD, exactly when status is left,         optional
                  not before arrived
      notes       text up to 2000 bytes (new lines allowed)        optional

    Optional fields may be nil, which in an update clears them. Decoding
    collects every error as {field, reason} (nested fields are named
    "employer.uscc"), up to TALENT_ERRORS_MAX, so a clerk sees all that is
    wrong at once.

    A partial decode (for updates) reads only the keys present and marks
    them in record->present; id_type and id_number travel together. The
    caller merges the update into the stored record with
    talent_record_merge() and runs talent_record_check() on the result for
    the checks that span fields.

    The registry id and version are not part of the record: they are
    assigned by the registry and passed to the encoders.
*/
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sti_codec.h"
#include "talent_check.h"
#include "talent_codes.h"
#include "talent_fields.h"

#define TALENT_PERSON_NAME_MAX 128
#define TALENT_DOCUMENT_MAX 32
#define TALENT_STATION_MAX 128
#define TALENT_NOTES_MAX 2000
//  Limits the decoder gives the codec: a record is small.
#define TALENT_RECORD_MAX_BYTES (64 * 1024)

typedef enum {
    TALENT_ID_RESIDENT = 0, // 居民身份证
    TALENT_ID_PASSPORT,     // passport
    TALENT_ID_OTHER,        // any other document
} talent_id_type_t;

typedef enum {
    TALENT_GENDER_UNSET = 0, // not given
    TALENT_GENDER_MALE,
    TALENT_GENDER_FEMALE,
    TALENT_GENDER_OTHER,
} talent_gender_t;

typedef enum {
    TALENT_ACTIVE = 0, // works under the programme
    TALENT_LEFT,       // has left (left_on says when)
} talent_status_t;

//  Bits of talent_record_t.present, one per key of the map.
enum {
    TALENT_F_NAME = 1u << 0,
    TALENT_F_GENDER = 1u << 1,
    TALENT_F_BIRTH_YEAR = 1u << 2,
    TALENT_F_ID_TYPE = 1u << 3,
    TALENT_F_ID_NUMBER = 1u << 4,
    TALENT_F_PHONE = 1u << 5,
    TALENT_F_EMAIL = 1u << 6,
    TALENT_F_CATEGORY = 1u << 7,
    TALENT_F_FIELD = 1u << 8,
    TALENT_F_EMPLOYER = 1u << 9,
    TALENT_F_CHANNEL = 1u << 10,
    TALENT_F_OVERSEAS = 1u << 11,
    TALENT_F_ARRIVED = 1u << 12,
    TALENT_F_STATUS = 1u << 13,
    TALENT_F_LEFT_ON = 1u << 14,
    TALENT_F_NOTES = 1u << 15,
};

//  A talent. Strings are NUL-terminated; "" (or 0, UNSET) is "not given".
typedef struct {
    unsigned present;                                 // TALENT_F_* of the keys decoded
    char name[TALENT_PERSON_NAME_MAX + 1];            // as the person writes it
    talent_gender_t gender;                           // UNSET when not given
    int birth_year;                                   // 0 when not given
    talent_id_type_t id_type;                         // kind of identity document
    char id_number[TALENT_DOCUMENT_MAX + 1];          // document number (normalised)
    char phone[TALENT_PHONE_MAX + 1];                 // "" when not given
    char email[TALENT_EMAIL_MAX + 1];                 // "" when not given
    char category[TALENT_CODE_MAX + 1];               // level code
    char field[TALENT_CODE_MAX + 1];                  // innovation field code
    char employer_name[TALENT_EMPLOYER_NAME_MAX + 1]; // "" when no employer
    char employer_uscc[TALENT_USCC_LEN + 1];          // "" when not given
    char channel[TALENT_CODE_MAX + 1];                // recruitment channel code
    char station[TALENT_STATION_MAX + 1];             // the overseas station's name, or ""
    bool overseas;                                    // an overseas returnee
    char arrived[TALENT_DATE_LEN + 1];                // YYYY-MM-DD
    talent_status_t status;                           // active or left
    char left_on[TALENT_DATE_LEN + 1];                // YYYY-MM-DD when left, else ""
    char notes[TALENT_NOTES_MAX + 1];                 // free text, or ""
} talent_record_t;

typedef enum {
    TALENT_DECODE_FULL = 0, // a new record: required fields must be there
    TALENT_DECODE_PARTIAL,  // an update: only the fields present
} talent_decode_mode_t;

//  Decodes one MessagePack map of at most TALENT_RECORD_MAX_BYTES. Fills
//  record (zeroed first) and returns 0, or returns -1 with errors filled
//  (record is then partly set and must not be used). A full decode also
//  runs talent_record_check. Safe on any bytes.
int talent_record_decode(const void *data, size_t size, const talent_codes_t *codes,
                         talent_decode_mode_t mode, talent_record_t *record,
                         talent_errors_t *errors);
//  The same for a map already inside a reader (e.g. the body of a request).
int talent_record_decode_node(sti_node_t map, const talent_codes_t *codes,
                              talent_decode_mode_t mode, talent_record_t *record,
                              talent_errors_t *errors);
//  The checks that span fields, on a complete record: the channel's
//  station, status and left_on, left_on not before arrived, birth_year
//  against the birth date in a resident id. Returns 0, or -1 with errors
//  added.
int talent_record_check(const talent_record_t *record, const talent_codes_t *codes,
                        talent_errors_t *errors);
//  Copies the fields present in update into record (nil fields clear).
void talent_record_merge(talent_record_t *record, const talent_record_t *update);
//  Overwrites a record with zeros (it may hold opened personal data).
void talent_record_wipe(talent_record_t *record);

//  Writes the record as every answer shows it: a map of id, version and
//  every field (absent optional ones nil), with id_number, phone and email
//  masked. Never writes them in clear.
void talent_record_encode_masked(const talent_record_t *record, const char *id, int64_t version,
                                 sti_writer_t *writer);
//  Writes what talent.reveal answers, in clear: a map of id, version, name,
//  id_type, id_number, phone and email (nil when not given). Only for
//  talent.reveal, after its read is in the audit log.
void talent_record_encode_revealed(const talent_record_t *record, const char *id, int64_t version,
                                   sti_writer_t *writer);
//  Writes the fields present as the map the decoder reads, in clear: for
//  building requests (stictl) and tests, never for answers.
void talent_record_encode_request(const talent_record_t *record, sti_writer_t *writer);

//  True when the record counts towards the indicator (a count of talents
//  kept by the registry, see talent_codes) for the year: it arrived by the
//  end of the year, matches the indicator's overseas filter, and, for an
//  indicator of active talents, had not left by the end of the year (a
//  talent who left in 2024 still counts for 2023).
bool talent_record_counts_for(const talent_record_t *record, const talent_indicator_t *indicator,
                              int year);

const char *talent_id_type_name(talent_id_type_t type);
const char *talent_gender_name(talent_gender_t gender);
const char *talent_status_name(talent_status_t status);
