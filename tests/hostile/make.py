#!/usr/bin/env python3
"""Writes the hostile-input corpus that tests/it/hostile.rs ingests: each file is evidence
damaged or crafted the way issue 9 lists (over-long lines and events, JSON nested past
any parser's stack, gzip bombs, XML with a DTD and past its size limit, bytes that are
not UTF-8, NUL runs a crash leaves, times out of range), next to good records that must
still be ingested. Deterministic: gzip without a name or time, no randomness.

    python3 tests/hostile/make.py      # rewrites tests/hostile/corpus/

The line formats are those of the real servers (fixtures/pg and the MariaDB lines in
fixtures/bad come from real servers); only the damage is made by hand.
"""
import gzip
import json
import os
import shutil

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")
MIB = 1 << 20


def path(rel):
    p = os.path.join(HERE, rel)
    os.makedirs(os.path.dirname(p), exist_ok=True)
    return p


def write(rel, data):
    with open(path(rel), "wb") as f:
        f.write(data)


def write_gz(rel, data):
    with open(path(rel), "wb") as f:
        with gzip.GzipFile(fileobj=f, mode="wb", compresslevel=9, mtime=0, filename="") as g:
            g.write(data)


def mysql(time, user, op, obj, conn=41, query=0, code=0, db="shop", host="10.0.1.5"):
    return f"{time},ip-10-20-1-9,{user},{host},{conn},{query},{op},{db},{obj},{code}\n".encode()


def main():
    for sub in ["rds", "okta", "AWSLogs", "saml", "iam"]:
        shutil.rmtree(os.path.join(HERE, sub), ignore_errors=True)

    # MariaDB audit log (RDS for MariaDB): 9 physical lines, 6 rows kept, 4 rejects.
    audit = b"".join([
        mysql("20261116 09:00:01", "alice", "CONNECT", ""),                               # kept
        # A latin1 client's é in a statement: kept, U+FFFD, not_utf8.
        b"20261116 09:00:02,ip-10-20-1-9,alice,10.0.1.5,41,7,QUERY,shop,'SELECT * FROM menu WHERE name = \\'caf\xe9\\'',0\n",
        # Not UTF-8 in the user name: who it was cannot be read, so rejected.
        b"20261116 09:00:03,ip-10-20-1-9,al\xe9ce,10.0.1.5,42,0,CONNECT,shop,,0\n",
        # A crash zero-filled the end of the file; the server's next line follows the zeros.
        b"\0" * 512 + mysql("20261116 09:05:00", "alice", "QUERY", "'SELECT 1'", query=8),  # 1 reject + kept
        # An epoch-0 clock and an Aurora time in 2286: out of range.
        mysql("19700101 00:00:00", "alice", "QUERY", "'SELECT 2'", query=9),
        mysql("9999999999999999", "alice", "QUERY", "'SELECT 3'", query=10),
        # A NUL inside a statement is data: kept as it is.
        mysql("20261116 09:06:00", "alice", "QUERY", "'SELECT 4 -- \0'", query=11),
        mysql("20261116 09:07:00", "alice", "QUERY", "'SELECT 5'", query=12),              # kept
        mysql("20261116 09:08:00", "alice", "DISCONNECT", ""),                            # kept
    ])
    write("rds/hostile-mysql/audit/server_audit.log", audit)

    # Over-long lines, events and records (17 MiB) are written by the test itself, in
    # plain files: gzip would shrink them 1000:1 and the gzip ratio limit, not the line
    # limit, would stop them.

    # A gzip bomb after a good line: 64 MiB of spaces from about 64 KB. The ratio limit
    # stops it at 16 MiB; the line before it is kept.
    write_gz("rds/hostile-mysql/audit/server_audit.log.1.gz",
             mysql("20261116 07:00:00", "carol", "CONNECT", "", conn=44) + b" " * (64 * MIB))

    # PostgreSQL (RDS prefix): a latin1 byte, a zero-filled run, a time in 1999.
    pg = b"".join([
        b"2026-11-16 10:00:01 UTC:10.0.1.21(50123):[unknown]@[unknown]:[4242]:LOG:  connection received: host=10.0.1.21 port=50123\n",
        b"2026-11-16 10:00:02 UTC:10.0.1.21(50123):anguyen@ledger:[4242]:LOG:  statement: SELECT 'caf\xe9'\n",
        b"\0" * 300 + b"2026-11-16 10:00:03 UTC:10.0.1.21(50123):anguyen@ledger:[4242]:LOG:  statement: SELECT 1\n",
        b"1999-12-31 23:59:59 UTC:10.0.1.21(50123):anguyen@ledger:[4242]:LOG:  statement: SELECT 2\n",
        b"2026-11-16 10:00:04 UTC:10.0.1.21(50123):anguyen@ledger:[4242]:LOG:  disconnection: session time: 0:00:03.002 user=anguyen database=ledger host=10.0.1.21 port=50123\n",
    ])
    write("rds/hostile-pg/error/postgresql.log.2026-11-16-10", pg)

    # Okta System Log, ndjson: good events around a deeply nested one, one with a raw NUL,
    # one that is not UTF-8 and one from 1970.
    def okta(uuid, published="2026-11-16T08:02:24.000Z", **extra):
        e = {"uuid": uuid, "published": published, "eventType": "user.session.start",
             "version": "0", "actor": {"id": "00uHOSTILE", "type": "User",
                                       "alternateId": "alice@example.com", "displayName": "Alice"},
             "client": {"ipAddress": "203.0.113.24"}, "outcome": {"result": "SUCCESS"},
             "authenticationContext": {"externalSessionId": "idxHostile"}}
        e.update(extra)
        return json.dumps(e, separators=(",", ":")).encode()
    deep = okta("hostile-deep").replace(b'"version":"0"', b'"version":"0","debugContext":' + b'{"a":' * 10000 + b"1" + b"}" * 10000)
    nul = okta("hostile-nul").replace(b"Alice", b"Al\0ice")
    latin1 = okta("hostile-latin1").replace(b"Alice", b"Al\xe9ce")
    write("okta/hostile-events.ndjson", b"\n".join([
        okta("hostile-good-1"), deep, nul, latin1,
        okta("hostile-1970", published="1970-01-01T00:00:00.000Z"),
        okta("hostile-good-2"),
    ]) + b"\n")

    # CloudTrail: a good record, one nested 10 000 deep, one in 2150, one with a raw NUL.
    ct = "AWSLogs/111122223333/CloudTrail/eu-west-1/2026/11/16/"
    def record(n, time="2026-11-16T10:00:00Z", **extra):
        r = {"eventVersion": "1.11",
             "userIdentity": {"type": "AssumedRole", "principalId": "AROAHOSTILE:admin",
                              "accountId": "111122223333"},
             "eventTime": time, "eventSource": "rds.amazonaws.com",
             "eventName": "ModifyDBInstance", "awsRegion": "eu-west-1",
             "sourceIPAddress": "52.210.41.8", "userAgent": "aws-cli/2.27.0",
             "requestParameters": None, "responseElements": None,
             "requestID": f"req-hostile-{n}", "eventID": f"0badc0de-0000-4000-8000-00000000b0{n:02d}",
             "readOnly": True, "eventType": "AwsApiCall", "managementEvent": True,
             "recipientAccountId": "111122223333", "eventCategory": "Management"}
        r.update(extra)
        return json.dumps(r, separators=(",", ":")).encode()
    deep = record(2).replace(b'"requestParameters":null', b'"requestParameters":' + b"[" * 10000 + b"]" * 10000)
    nul = record(4).replace(b"aws-cli/2.27.0", b"aws-cli\0/2.27.0")
    write(ct + "111122223333_CloudTrail_eu-west-1_20261116T1000Z_HostileRecords1.json",
          b'{"Records":[' + b",".join([record(1), deep, record(3, time="2150-01-01T00:00:00Z"), nul, record(5)]) + b"]}")
    # A CloudTrail-named gzip bomb: 64 MiB of spaces inside the Records array.
    write_gz(ct + "111122223333_CloudTrail_eu-west-1_20261116T1005Z_GzipBombRecords.json.gz",
             b'{"Records":[' + b" " * (64 * MIB) + b"]}")

    # SAML: a billion-laughs DTD, and a response padded past the 1 MiB XML limit.
    laughs = "".join(f'<!ENTITY lol{i} "{"&lol%d;" % (i - 1) * 10}">' for i in range(1, 10))
    write("saml/billion-laughs.xml", (
        '<?xml version="1.0"?><!DOCTYPE samlp:Response [<!ENTITY lol0 "lol">' + laughs + ']>'
        '<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="_laughs" '
        'Version="2.0" IssueInstant="2026-11-16T10:00:00Z">&lol9;</samlp:Response>\n').encode())
    real = open(os.path.join(HERE, "../../../fixtures/saml/idc-response.xml"), "rb").read()
    padded = real.replace(b"<saml2:Subject>", b"<!--" + b"x" * (MIB + 10) + b"--><saml2:Subject>", 1)
    write_gz("saml/oversized-response.xml.gz", padded)

    # A policy nested past serde's recursion limit.
    write("iam/role-DeepNesting.json", (
        '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"rds-db:connect",'
        '"Resource":"*","Condition":' + '{"a":' * 10000 + '1' + '}' * 10000 + '}]}').encode())


if __name__ == "__main__":
    main()
