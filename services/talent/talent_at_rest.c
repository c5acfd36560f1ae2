/*  talent_at_rest: the stored form of a record. See talent_at_rest.h.

    The sealed values are opened with the record's id as associated data, so
    a value moved to another record does not open; an opened value lives in
    libsodium's guarded memory until it is copied into the record and wiped.
*/
#include "talent_at_rest.h"

#include <assert.h>
#include <czmq.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

const char *const talent_at_rest_fields[TALENT_SEALED_FIELDS] = {"id_number", "phone", "email"};

//  The hashes of a document under the old keys, one a line, into others:
//  a record stored under an old key is a duplicate too.
static void s_other_hashes(const talent_crypto_t *crypto, const char *id_type, const char *number,
                           char others[TALENT_AT_REST_OTHERS_MAX])
{
    uint8_t ids[TALENT_CRYPTO_KEYS_MAX];
    size_t count = talent_crypto_key_ids(crypto, ids, TALENT_CRYPTO_KEYS_MAX);
    size_t at = 0;
    others[0] = 0;
    for (size_t i = 1; i < count; i++) {
        talent_crypto_hash_with(crypto, ids[i], id_type, number, others + at);
        at += TALENT_HASH_TEXT_LEN;
        others[at++] = '\n';
        others[at] = 0;
    }
}

void talent_at_rest_seal(const talent_crypto_t *crypto, const char *id,
                         const talent_record_t *record, talent_sealed_t *sealed)
{
    assert(crypto && id && record && sealed);
    memset(sealed, 0, sizeof *sealed);
    const char *plain[TALENT_SEALED_FIELDS] = {record->id_number, record->phone, record->email};
    for (int f = 0; f < TALENT_SEALED_FIELDS; f++) {
        if (plain[f][0]) {
            sealed->value[f] = talent_crypto_seal(crypto, id, talent_at_rest_fields[f], plain[f],
                                                  strlen(plain[f]), &sealed->len[f]);
        }
    }
    const char *type = talent_id_type_name(record->id_type);
    talent_crypto_hash(crypto, type, record->id_number, sealed->hash);
    s_other_hashes(crypto, type, record->id_number, sealed->others);
}

void talent_at_rest_sealed_free(talent_sealed_t *sealed)
{
    assert(sealed);
    for (int f = 0; f < TALENT_SEALED_FIELDS; f++) {
        free(sealed->value[f]);
        sealed->value[f] = NULL;
    }
}

int talent_at_rest_open(const talent_crypto_t *crypto, const char *id,
                        const uint8_t *const value[TALENT_SEALED_FIELDS],
                        const size_t len[TALENT_SEALED_FIELDS], talent_record_t *record, char *err,
                        size_t errlen)
{
    assert(crypto && id && record);
    char *targets[TALENT_SEALED_FIELDS] = {record->id_number, record->phone, record->email};
    size_t caps[TALENT_SEALED_FIELDS] = {sizeof record->id_number, sizeof record->phone,
                                         sizeof record->email};
    for (int f = 0; f < TALENT_SEALED_FIELDS; f++) {
        if (!value[f]) {
            continue;
        }
        size_t plain_len = 0;
        char *plain = talent_crypto_open(crypto, id, talent_at_rest_fields[f], value[f], len[f],
                                         &plain_len, err, errlen);
        if (!plain) {
            return -1;
        }
        if (plain_len >= caps[f]) {
            talent_crypto_free_plain(&plain);
            snprintf(err, errlen, "%s: stored value is too long", talent_at_rest_fields[f]);
            return -1;
        }
        memcpy(targets[f], plain, plain_len + 1);
        talent_crypto_free_plain(&plain);
    }
    return 0;
}

void *talent_at_rest_data(const talent_record_t *record, size_t *size)
{
    assert(record && size);
    talent_record_t *copy = (talent_record_t *)malloc(sizeof *copy);
    assert(copy);
    *copy = *record;
    copy->present &=
        ~(unsigned)(TALENT_F_ID_TYPE | TALENT_F_ID_NUMBER | TALENT_F_PHONE | TALENT_F_EMAIL);
    copy->present |=
        TALENT_F_NAME | TALENT_F_CATEGORY | TALENT_F_FIELD | TALENT_F_CHANNEL | TALENT_F_ARRIVED |
        TALENT_F_STATUS | TALENT_F_OVERSEAS | (record->left_on[0] ? TALENT_F_LEFT_ON : 0) |
        (record->gender ? TALENT_F_GENDER : 0) | (record->birth_year ? TALENT_F_BIRTH_YEAR : 0) |
        (record->employer_name[0] ? TALENT_F_EMPLOYER : 0) |
        (record->notes[0] ? TALENT_F_NOTES : 0);
    sti_writer_t *writer = sti_writer_new();
    talent_record_encode_request(copy, writer);
    const void *data = sti_writer_data(writer, size);
    void *out = malloc(*size);
    assert(out);
    memcpy(out, data, *size);
    sti_writer_destroy(&writer);
    talent_record_wipe(copy);
    free(copy);
    return out;
}

void talent_at_rest_event_data(sti_writer_t *writer, const char *id, const talent_record_t *record,
                               int64_t version)
{
    assert(writer && id && record);
    sti_writer_reset(writer);
    sti_writer_map(writer, 9);
    sti_writer_kv_str(writer, "id", id);
    sti_writer_kv_str(writer, "category", record->category);
    sti_writer_kv_str(writer, "field", record->field);
    sti_writer_kv_str(writer, "channel", record->channel);
    sti_writer_kv_bool(writer, "overseas", record->overseas);
    sti_writer_kv_str(writer, "arrived", record->arrived);
    sti_writer_kv_str(writer, "status", talent_status_name(record->status));
    sti_writer_str(writer, "left_on");
    sti_writer_str(writer, record->left_on[0] ? record->left_on : NULL);
    sti_writer_kv_int(writer, "version", version);
}

void talent_at_rest_event_time(char *buf, size_t cap)
{
    int64_t ms = zclock_time();
    time_t secs = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&secs, &tm);
    char stamp[32];
    strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(buf, cap, "%s.%03dZ", stamp, (int)(ms % 1000));
}

int talent_at_rest_tokens(const talent_record_t *record, char *buf, size_t cap)
{
    assert(record && buf);
    int n =
        snprintf(buf, cap, "category:%s\nfield:%s\nchannel:%s\noverseas:%d\nstatus:%s\nyear:%.4s\n",
                 record->category, record->field, record->channel, record->overseas ? 1 : 0,
                 talent_status_name(record->status), record->arrived);
    if (n < 0 || (size_t)n >= cap) {
        return -1;
    }
    if (record->employer_name[0]) {
        int m = snprintf(buf + n, cap - (size_t)n, "employer:%s\n", record->employer_name);
        if (m < 0 || (size_t)m >= cap - (size_t)n) {
            return -1;
        }
    }
    return 0;
}

int64_t talent_at_rest_id_number(const char *id)
{
    if (!id || id[0] != 'T' || !id[1] || strlen(id) > 19) {
        return -1;
    }
    int64_t n = 0;
    for (const char *p = id + 1; *p; p++) {
        if (*p < '0' || *p > '9') {
            return -1;
        }
        n = n * 10 + (*p - '0');
    }
    return n;
}

talent_id_type_t talent_at_rest_id_type(const char *name)
{
    return strcmp(name, "passport") == 0 ? TALENT_ID_PASSPORT
           : strcmp(name, "other") == 0  ? TALENT_ID_OTHER
                                         : TALENT_ID_RESIDENT;
}
