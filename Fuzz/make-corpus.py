#!/usr/bin/env python3
"""Writes the seed corpus in Fuzz/corpus/<target>/ (checked in; rerun after editing a seed).

Each seed is named after what it holds. The configuration bytes each target reads first are
described in its harness file (Fuzz/*Fuzz.swift).
"""
import gzip
import os
import shutil
import zlib

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")


def write(target, name, data):
    folder = os.path.join(ROOT, target)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


def head_parser():
    default = b"\x00\x00\x00\x80"      # default limits, split in the middle
    small = b"\xa0\x30\x04\x40"       # request line 36, header section 104, 4 fields
    heads = {
        "get": b"GET /healthz?x=1 HTTP/1.1\r\nHost: example\r\n\r\n",
        "post-length": b"POST /batch HTTP/1.1\r\nHost: a\r\nContent-Length: 12\r\nContent-Type: application/json\r\n\r\n",
        "post-chunked": b"POST /batch HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
        "absolute-form": b"GET http://example.com:8080/readyz?a HTTP/1.1\r\nHost: example.com:8080\r\n\r\n",
        "options-asterisk": b"OPTIONS * HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\n\r\n",
        "http10-keepalive": b"\r\nGET / HTTP/1.0\r\nConnection: keep-alive, Upgrade\r\nX-Obs: caf\xe9 \t\r\n\r\n",
        "bad-obs-fold": b"GET / HTTP/1.1\r\nHost: a\r\nX-A: b\r\n  folded\r\n\r\n",
        "bad-bare-lf": b"GET / HTTP/1.1\nHost: a\r\n\r\n",
        "bad-cl-and-te": b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n",
        "bad-space-before-colon": b"GET / HTTP/1.1\r\nHost : a\r\n\r\n",
    }
    for name, head in heads.items():
        write("head-parser", name, default + head)
    write("head-parser", "small-limits-get", small + heads["get"])
    write("head-parser", "small-limits-long-line", small + b"GET /" + b"a" * 29 + b" HTTP/1.1\r\nHost: a\r\n\r\n")


def chunked_decoder():
    config = b"\xff\xff\x03\x80"        # 1 MiB body cap, 64 KiB trailer cap, 3 head bytes, split mid
    tight = b"\x02\x08\x00\x40"         # 8-byte body cap, 8-byte trailer cap
    bodies = {
        "simple": b"5\r\nhello\r\n0\r\n\r\n",
        "extensions": b"2;x=\"a b\"\r\nhi\r\n1 ; name = token\r\n!\r\n0;last\r\n\r\n",
        "trailers": b"3\r\nabc\r\n0\r\nTrailer-A: 1\r\nX: y\r\n\r\n",
        "hex-cases-leading-zeros": b"000A\r\n0123456789\r\na\r\nabcdefghij\r\n00\r\n\r\n",
        "pipelined": b"1\r\nx\r\n0\r\n\r\nPOST / HTTP/1.1\r\nHost: a\r\n\r\n",
        "bad-hex": b"zz\r\n",
        "bad-missing-crlf": b"3\r\nabcX\r\n0\r\n\r\n",
        "bad-bare-lf": b"3\nabc\r\n0\r\n\r\n",
        "bad-space-after-size": b"1 \r\na\r\n0\r\n\r\n",
        "bad-trailer": b"0\r\nBad Trailer: x\r\n\r\n",
        "bad-overflow": b"fffffffffffffffffff\r\n",
    }
    for name, body in bodies.items():
        write("chunked-decoder", name, config + body)
    write("chunked-decoder", "tight-caps-over", tight + b"9\r\n123456789\r\n0\r\n\r\n")
    # A size line of exactly ChunkedDecoder.maxLineBytes (4096), to explore around that limit.
    write("chunked-decoder", "line-at-limit", config + b"1;x=" + b"a" * 4092 + b"\r\nx\r\n0\r\n\r\n")
    write("chunked-decoder", "tight-caps-trailer", tight + b"8\r\n12345678\r\n0\r\nA: 12\r\n\r\n")


def json_scanner():
    docs = {
        "object": b'{"id":"a","data":{"x":[1,2.5e-3,-0,true,false,null]}}',
        "array-ws": b' \t\r\n[ {} , [] , "" , 0 ]\n',
        "escapes": b'["\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\\ud83d\\ude00"]',
        "utf8": '["caf\u00e9 \u20ac \U0001f600"]'.encode(),
        "numbers": b"[0,-1,12.5,1e10,1E+2,-0.0e-0,123456789012345678901234567890]",
        "deep": b"[" * 6 + b"{\"a\":1}" + b"]" * 6,
        "bad-trailing-comma": b'[1,2,]',
        "bad-leading-zero": b"[01]",
        "bad-lone-surrogate": b'["\\ud800"]',
        "bad-utf8-overlong": b'["\xc0\xaf"]',
        "bad-control": b'["a\x01b"]',
        "bad-bom": b'\xef\xbb\xbf{}',
        "bad-literal": b"[tru]",
    }
    for name, doc in docs.items():
        write("json-scanner", name, doc)


def batch_parser():
    items = (b'{"id":"a","data":{"x":1}},{"id":"b","data":"{\\"y\\":2}","metadata":["m"]},'
             b'{"id":"","data":{}},{"id":1,"data":{}},{"data":{}},{"id":"c"},{"id":"d","data":5},'
             b'{"id":"e","data":"[1]"},{"id":"f","data":{},"metadata":[1]},{"id":"g","id":"h","data":{}},7')
    bodies = {
        "array": b"[" + items + b"]",
        "items-object": b'{"other":[1],"items":[' + items + b'],"x":{}}',
        "items-escaped-name": b'{"\\u0069tems":[{"\\u0069d":"\\u00e9","data":{},"metadata":null}]}',
        "ndjson": b'{"id":"a","data":{"x":1}}\n\r\n{"id":"b","data":"{}"}\r\nnot json\n[1]\n   \n{"id":"c","data":{}}',
        "bad-not-batch": b'"items"',
        "bad-missing-items": b'{"item":[]}',
        "bad-duplicate-items": b'{"items":[],"items":[]}',
        "bad-items-not-array": b'{"items":{}}',
        "bad-json": b'[{"id":"a","data":{}},]',
        "empty": b" \n ",
    }
    for name, body in bodies.items():
        write("batch-parser", name, body)


def gzip_inflater():
    text = b'[{"id":"a","data":{"x":1}},{"id":"b","data":{"y":2}}]\n' * 4
    # Byte 0: bit 7 clear = round trip of the rest at level (b0 % 10); set = inflate the rest.
    write("gzip-inflater", "roundtrip-level6", b"\x06\x80" + text)
    write("gzip-inflater", "roundtrip-level0", b"\x00\x10" + text[:40])
    write("gzip-inflater", "roundtrip-level9-empty", b"\x09\x00")
    write("gzip-inflater", "roundtrip-huffman", b"\x29\x20" + b"abcabcabc" * 20)
    member = gzip.compress(text, 6, mtime=0)
    write("gzip-inflater", "inflate-member", b"\x80\xff" + member)
    write("gzip-inflater", "inflate-member-small-cap", b"\x80\x02" + member)
    write("gzip-inflater", "inflate-truncated", b"\x80\xff" + member[:-5])
    write("gzip-inflater", "inflate-two-members", b"\x80\xff" + member + gzip.compress(b"x", 1, mtime=0))
    corrupt = bytearray(member)
    corrupt[-8] ^= 0xFF  # CRC
    write("gzip-inflater", "inflate-bad-crc", b"\x80\xff" + bytes(corrupt))
    write("gzip-inflater", "inflate-zeros-bomb", b"\x80\x01" + gzip.compress(b"\0" * 100000, 9, mtime=0))
    write("gzip-inflater", "inflate-zlib-not-gzip", b"\x80\xff" + zlib.compress(text))


def access():
    token = "0123456789abcdef0123456789abcdef"
    seeds = {
        "bearer": "Bearer " + token,
        "bearer-padded": "  bEaReR   abc.DEF_~+/==  ",
        "basic": "Basic dXNlcjpwYXNz",
        "file": "# tenants\nacme sha256:" + "ab" * 32 + " 5000 20000\nglobex " + token + " 100\n\n",
        "file-rotation": "acme " + token + " 10\nacme other-token-0123456789 10 # comment\r\n",
        "file-bad-burst": "acme " + token + " 10 0\n",
        "file-duplicate": "a " + token + "\nb " + token + "\n",
        "file-tabs": "t\t" + token + "\t1\t1",
    }
    for name, text in seeds.items():
        write("access", name, b"\x80" + text.encode())
    write("access", "sha-block-boundary", b"\x40" + b"a" * 64)


if __name__ == "__main__":
    shutil.rmtree(ROOT, ignore_errors=True)
    head_parser()
    chunked_decoder()
    json_scanner()
    batch_parser()
    gzip_inflater()
    access()
