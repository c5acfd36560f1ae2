/*  replay_main: runs a fuzz target over saved inputs, without libFuzzer.

    Usage: NAME_replay PATH...  Each PATH is a file, or a directory whose
    regular files are each one input. Every input is passed once to
    LLVMFuzzerTestOneInput; a crash or an abort fails the run. An empty or
    missing corpus is an error too, so a misplaced corpus cannot pass silently.
*/
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

//  Largest input replayed, bytes; corpus files are far smaller.
#define S_MAX_INPUT (64u * 1024 * 1024)

//  Feeds the file at path to the target. Returns 0, or -1 if it cannot be read.
static int s_replay_file(const char *path)
{
    FILE *file = fopen(path, "rb");
    if (!file) {
        fprintf(stderr, "replay: cannot open %s\n", path);
        return -1;
    }
    struct stat info;
    if (fstat(fileno(file), &info) || info.st_size < 0 || (uint64_t)info.st_size > S_MAX_INPUT) {
        fprintf(stderr, "replay: cannot size %s\n", path);
        fclose(file);
        return -1;
    }
    size_t size = (size_t)info.st_size;
    //  at least one byte, so an empty input is a valid non-NULL pointer
    uint8_t *data = malloc(size ? size : 1);
    if (!data || fread(data, 1, size, file) != size) {
        fprintf(stderr, "replay: cannot read %s\n", path);
        free(data);
        fclose(file);
        return -1;
    }
    fclose(file);
    LLVMFuzzerTestOneInput(data, size);
    free(data);
    return 0;
}

//  Replays every regular file in dir. Returns the count, or -1 on error.
static long s_replay_dir(const char *dir)
{
    DIR *handle = opendir(dir);
    if (!handle) {
        fprintf(stderr, "replay: cannot open directory %s\n", dir);
        return -1;
    }
    long count = 0;
    struct dirent *entry;
    while ((entry = readdir(handle)) != NULL) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, entry->d_name);
        struct stat info;
        if (stat(path, &info) || !S_ISREG(info.st_mode)) {
            continue;
        }
        if (s_replay_file(path)) {
            closedir(handle);
            return -1;
        }
        count++;
    }
    closedir(handle);
    return count;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s FILE|DIR...\n", argv[0]);
        return 2;
    }
    long total = 0;
    for (int i = 1; i < argc; i++) {
        struct stat info;
        if (stat(argv[i], &info) == 0 && S_ISDIR(info.st_mode)) {
            long count = s_replay_dir(argv[i]);
            if (count < 0) {
                return 1;
            }
            total += count;
        } else if (s_replay_file(argv[i]) == 0) {
            total++;
        } else {
            return 1;
        }
    }
    printf("replayed %ld inputs\n", total);
    return total > 0 ? 0 : 1;
}
