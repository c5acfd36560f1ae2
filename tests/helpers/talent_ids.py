#!/usr/bin/python3
"""talent_ids.py: made-up identifiers for the talent registry's tests.

    talent_ids.py resident SEED     a 居民身份证 number with a correct GB 11643 check digit
    talent_ids.py resident-bad SEED the same number with a wrong check digit
    talent_ids.py uscc SEED         a 统一社会信用代码 with a correct GB 32100 check character
    talent_ids.py uscc-bad SEED     the same code with a wrong check character

The numbers are built from the seed with the check algorithms: they belong to
no real person or organisation.
"""
import sys

W11643 = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
CHECK11643 = "10X98765432"
USCC_SET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
W32100 = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]


def resident(seed):
    """Region 330110, birth 1980-01-01 + seed days (as a date), sequence from the seed."""
    import datetime
    birth = datetime.date(1980, 1, 1) + datetime.timedelta(days=seed * 37 % 9000)
    body = "330110" + birth.strftime("%Y%m%d") + "%03d" % (seed % 1000)
    return body + CHECK11643[sum(int(a) * w for a, w in zip(body, W11643)) % 11]


def uscc(seed):
    body = "91330110MA" + "".join(USCC_SET[(seed * 7 + i * 3) % 31] for i in range(7))
    c = 31 - sum(USCC_SET.index(ch) * w for ch, w in zip(body, W32100)) % 31
    return body + USCC_SET[0 if c == 31 else c]


def wrong(code, alphabet):
    last = code[-1]
    return code[:-1] + alphabet[(alphabet.index(last) + 1) % len(alphabet)]


def main():
    kind, seed = sys.argv[1], int(sys.argv[2])
    if kind == "resident":
        print(resident(seed))
    elif kind == "resident-bad":
        print(wrong(resident(seed), "0123456789X"))
    elif kind == "uscc":
        print(uscc(seed))
    elif kind == "uscc-bad":
        print(wrong(uscc(seed), USCC_SET))
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main()
