#!/usr/bin/env python3
"""Writes the bad-data catalogue's data files (it/bad-data/NN-name/...) from the UCI digits test copy, each with the
defect its case is about. Standard library only; the output is byte-for-byte reproducible. Each case's finetune.yaml
and expected.txt are written by hand (expected.txt is the source of truth, BadDataCatalogueTest compares it).

    python3 it/bad-data/make_cases.py
"""
import gzip, os, struct, zlib

HERE = os.path.dirname(os.path.abspath(__file__))
DIGITS = os.path.join(HERE, '..', '..', 'finetune-maven-plugin', 'src', 'test', 'resources', 'data', 'digits.csv')
rows = [line.strip().split(',') for line in open(DIGITS) if line.strip()]


def by_class(classes, per_class):
    """The first `per_class` digits of each class, interleaved class by class (file order of the copy)."""
    picked = {c: [r for r in rows if r[-1] == c][:per_class] for c in classes}
    out = []
    for i in range(per_class):
        for c in classes:
            out.append(list(picked[c][i]))
    return out


def write(case, name, lines, bom=False):
    path = os.path.join(HERE, case, name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'wb') as f:
        f.write(('\ufeff' if bom else '').encode('utf-8') + ''.join(','.join(r) + '\n' for r in lines).encode('utf-8'))


def png(pixels, width=8, height=8, depth=8):
    """A grey PNG of a digit's 0..16 pixel counts scaled to 0..255 (8 bits) or 0..65535 (16 bits)."""
    if depth == 16:
        raw = b''.join(b'\x00' + b''.join(struct.pack('>H', min(65535, int(v) * 4096)) for v in pixels[y * width:(y + 1) * width])
                       for y in range(height))
    else:
        raw = b''.join(b'\x00' + bytes(min(255, int(v) * 16) for v in pixels[y * width:(y + 1) * width]) for y in range(height))
    def chunk(kind, data):
        return struct.pack('>I', len(data)) + kind + data + struct.pack('>I', zlib.crc32(kind + data) & 0xffffffff)
    return (b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', width, height, depth, 0, 0, 0, 0))
            + chunk(b'IDAT', zlib.compress(raw, 9)) + chunk(b'IEND', b''))


def image(case, name, row):
    path = os.path.join(HERE, case, name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'wb') as f:
        f.write(png(row[:64]))


# every bad cell in one run: a word, NaN, Infinity, an empty cell, a decimal comma read as two cells is not here
d = by_class(['0', '1', '2'], 10)
d[2][4] = 'abc'
d[6][9] = 'NaN'
d[8][0] = 'inf'
d[11][63] = ''
d[20][30] = '1e400'
write('01-bad-cells-all-reported', 'data/digits.csv', d)

# more bad cells than are listed: the first 20, then a count
d = by_class(['0', '1', '2'], 10)
for r in range(25):
    d[r][r % 64] = '?'
write('02-bad-cells-beyond-twenty', 'data/digits.csv', d)

# empty label cells (once silently accepted)
d = by_class(['0', '1', '2'], 10)
d[3][64] = ''
d[10][64] = ' '
write('03-empty-labels', 'data/digits.csv', d)

# a class too small for the stratified split: one example of `9`
d = by_class(['0', '1', '2'], 10) + by_class(['9'], 1)
write('04-class-too-small-for-split', 'data/digits.csv', d)

# `1`, `1.0` and `01` are one class (once three)
d = by_class(['0', '1', '2'], 10)
spellings = ['1', '1.0', '01']
k = 0
for r in d:
    if r[64] == '1':
        r[64] = spellings[k % 3]
        k += 1
write('05-one-class-spelt-three-ways', 'data/digits.csv', d)

# a UTF-8 byte-order mark before the header (Excel writes one): the label column is found by name
d = by_class(['0', '1', '2'], 10)
header = ['digit'] + ['p%d' % i for i in range(64)]
write('06-utf8-bom', 'data/digits.csv', [header] + [[r[64]] + r[:64] for r in d], bom=True)

# exact duplicate rows, and the same features with another label (not a duplicate)
d = by_class(['0', '1', '2'], 10)
d[15] = list(d[0])
d[16] = list(d[1])
d[17] = list(d[2][:64]) + ['0' if d[2][64] != '0' else '1']
write('07-duplicate-rows', 'data/digits.csv', d)

# leakage: validation and test rows that are training rows
train = by_class(['0', '1', '2'], 8)
rest = [r for r in rows if r[-1] in ('0', '1', '2')][30:42]
val = rest[:6]
test = rest[6:]
val[0] = list(train[3])
test[1] = list(train[5][:64]) + [train[5][64]]
test[2] = list(train[7])
for case in ('08-leakage', '09-leakage-gate'):
    write(case, 'data/train.csv', train)
    write(case, 'data/validation.csv', val)
    write(case, 'data/test.csv', test)
write('10-duplicates-gate', 'data/digits.csv', by_class(['0', '1', '2'], 10)[:28] + [by_class(['0'], 1)[0]] * 2)

# class imbalance: 40 zeros, 4 ones
write('11-imbalance', 'data/digits.csv', by_class(['0'], 40) + by_class(['1'], 4))

# a tab-separated file read with the default delimiter; a gzip file named .csv
os.makedirs(os.path.join(HERE, '12-wrong-delimiter', 'data'), exist_ok=True)
with open(os.path.join(HERE, '12-wrong-delimiter', 'data', 'digits.csv'), 'w') as f:
    f.write(''.join('\t'.join(r) + '\n' for r in by_class(['0', '1'], 5)))
os.makedirs(os.path.join(HERE, '13-compressed-csv', 'data'), exist_ok=True)
with open(os.path.join(HERE, '13-compressed-csv', 'data', 'digits.csv'), 'wb') as f:
    f.write(gzip.compress(''.join(','.join(r) + '\n' for r in by_class(['0', '1'], 5)).encode(), mtime=0))

# images: files that are not images (text, a truncated PNG), beside good ones
case = '14-images-bad-files'
for i, r in enumerate(by_class(['0', '1'], 6)):
    image(case, 'photos/%s/%03d.png' % (r[64], i), r)
with open(os.path.join(HERE, case, 'photos', '0', 'notes.png'), 'w') as f:
    f.write('not an image\n')
good = png(by_class(['1'], 1)[0][:64])
with open(os.path.join(HERE, case, 'photos', '1', 'cut.png'), 'wb') as f:
    f.write(good[:40])
# a pixel format the decoder would misread (16 bits per channel), and a GIF named .jpg
with open(os.path.join(HERE, case, 'photos', '0', 'deep.png'), 'wb') as f:
    f.write(png(by_class(['0'], 1)[0][:64], depth=16))
with open(os.path.join(HERE, case, 'photos', '1', 'scan.jpg'), 'wb') as f:
    f.write(b'GIF89a\x08\x00\x08\x00\x00\x00\x00;')

# images: the same image (by content) in two splits
for case in ('15-images-duplicates-across-splits', '16-images-duplicates-gate'):
    picked = by_class(['0', '1'], 8)
    for i, r in enumerate(picked[:8]):
        image(case, 'train/%s/%03d.png' % (r[64], i), r)
    for i, r in enumerate(picked[8:12]):
        image(case, 'val/%s/%03d.png' % (r[64], i + 8), r)
    for i, r in enumerate(picked[12:]):
        image(case, 'test/%s/%03d.png' % (r[64], i + 12), r)
    image(case, 'val/0/copy.png', picked[0])
    image(case, 'test/1/copy.png', picked[1])
    image(case, 'train/1/again.png', picked[1])
