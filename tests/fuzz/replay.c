/*
 * replay.c - run a fuzz harness over saved inputs, without libFuzzer.
 *
 * Every harness in this folder defines LLVMFuzzerTestOneInput(); linked
 * with clang's -fsanitize=fuzzer it is a fuzzer, linked with this file it
 * is a plain program that feeds it each file named on the command line
 * (directories are read one level deep), which is how the suite replays
 * fixtures/fuzz/ with any compiler.  Exit status 0 when every input ran.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_INPUT (8u << 20)

static int
run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	size_t n;
	int rc = -1;

	if (f == NULL) {
		perror(path);
		return -1;
	}
	if ((buf = malloc(MAX_INPUT)) == NULL)
		goto out;
	n = fread(buf, 1, MAX_INPUT, f);
	if (ferror(f)) {
		perror(path);
		goto out;
	}
	LLVMFuzzerTestOneInput(buf, n);
	rc = 0;
out:
	free(buf);
	fclose(f);
	return rc;
}

int
main(int argc, char **argv)
{
	char path[4096];
	struct dirent *de;
	struct stat sb;
	int i, ran = 0, failed = 0;
	DIR *d;

	for (i = 1; i < argc; i++) {
		if (stat(argv[i], &sb) != 0 || !S_ISDIR(sb.st_mode)) {
			failed += run_file(argv[i]) != 0;
			ran++;
			continue;
		}
		if ((d = opendir(argv[i])) == NULL) {
			perror(argv[i]);
			failed++;
			continue;
		}
		while ((de = readdir(d)) != NULL) {
			if (de->d_name[0] == '.')
				continue;
			snprintf(path, sizeof path, "%s/%s", argv[i], de->d_name);
			failed += run_file(path) != 0;
			ran++;
		}
		closedir(d);
	}
	printf("replayed %d inputs, %d unreadable\n", ran, failed);
	return failed || ran == 0 ? 1 : 0;
}
