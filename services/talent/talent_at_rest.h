/*  talent_at_rest: a talent record as the registry keeps it (docs/talent.md,
    "Personal data"; docs/keys.md), without touching Redis.

    What is not personal is kept in clear: the request form of the record
    without its document and contacts (talent_at_rest_data), its index
    tokens, and the facts its events carry. The document number, phone and
    e-mail are sealed with talent_crypto under the current key, bound to the
    record's id and field; the document's keyed hash (under the current key,
    and under every old key for the duplicate check during a rotation) is
    the key of the duplicate index. talent_at_rest_open turns sealed values
    back into the record. The store (talent_store) writes and reads these
    forms; nothing here allocates personal data outside guarded memory
    except the record itself, which the caller wipes (talent_record_wipe).
*/
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sti_codec.h"
#include "talent_crypto.h"
#include "talent_record.h"

#define TALENT_SEALED_FIELDS 3 // id_number, phone, email
//  Bytes of a document's hashes under the old keys, one a line.
#define TALENT_AT_REST_OTHERS_MAX ((TALENT_CRYPTO_KEYS_MAX - 1) * (TALENT_HASH_TEXT_LEN + 1) + 1)

//  The sealed fields' names, as stored and as the associated data names them.
extern const char *const talent_at_rest_fields[TALENT_SEALED_FIELDS];

//  The personal fields of a record as the store writes them.
typedef struct {
    uint8_t *value[TALENT_SEALED_FIELDS];   // sealed id_number, phone, email (NULL when not given)
    size_t len[TALENT_SEALED_FIELDS];       // their lengths
    char hash[TALENT_HASH_TEXT_LEN + 1];    // the document's hash under the current key
    char others[TALENT_AT_REST_OTHERS_MAX]; // its hashes under the old keys, one a line
} talent_sealed_t;

//  Seals the personal fields of record id under the current key and hashes
//  its document under every key into sealed (freed with
//  talent_at_rest_sealed_free).
void talent_at_rest_seal(const talent_crypto_t *crypto, const char *id,
                         const talent_record_t *record, talent_sealed_t *sealed);
//  Frees the sealed values (safe on a zeroed struct and twice).
void talent_at_rest_sealed_free(talent_sealed_t *sealed);
//  Opens the sealed values of record id (value[f] NULL: not stored) into
//  record. Returns 0, or -1 with err (a value that does not authenticate,
//  or one too long for its field).
int talent_at_rest_open(const talent_crypto_t *crypto, const char *id,
                        const uint8_t *const value[TALENT_SEALED_FIELDS],
                        const size_t len[TALENT_SEALED_FIELDS], talent_record_t *record, char *err,
                        size_t errlen);

//  The stored `data` of a record: its request form without the document and
//  contacts, every kept field present. Returns the bytes (caller frees),
//  their length in *size.
void *talent_at_rest_data(const talent_record_t *record, size_t *size);
//  Writes the data of the record's events: its non-personal facts at version.
void talent_at_rest_event_data(sti_writer_t *writer, const char *id, const talent_record_t *record,
                               int64_t version);
//  Now, as events carry it: RFC 3339 UTC with milliseconds.
void talent_at_rest_event_time(char *buf, size_t cap);
//  The index tokens of a record ("category:top", "year:2023", ...), one a
//  line, into buf. Returns 0, or -1 when they do not fit.
int talent_at_rest_tokens(const talent_record_t *record, char *buf, size_t cap);
//  The number of a registry id ("T000012" -> 12, its score in the ordered
//  set of ids), or -1 when it is not one.
int64_t talent_at_rest_id_number(const char *id);
//  The type of document a stored id_type names (resident when unknown).
talent_id_type_t talent_at_rest_id_type(const char *name);
