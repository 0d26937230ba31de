"""Property test of SigV4 canonicalization against botocore's signer: random methods, paths
(dot segments, repeated slashes, percent-encoded and reserved characters), queries (repeated
keys, empty values, keys without '=', non-canonical encodings), headers (repeated names in mixed
case, inner whitespace runs) and bodies, signed by botocore and sent byte for byte to nimbus in
strict mode. nimbus must accept every one (its canonical request and signature equal botocore's)
and refuse the same request with one signed part changed. NIMBUS_SIGV4_SEED replays a run."""
import os
import random
import string
import unittest

from harness import Nimbus
from sigv4_raw import canonical_request, now, send, sign

KEY, SECRET = "AKIAPROPERTY00000001", "property-secret"
AUTH_CODES = {"SignatureDoesNotMatch", "IncompleteSignature", "InvalidClientTokenId",
              "MissingAuthenticationToken"}
CASES = int(os.environ.get("NIMBUS_SIGV4_CASES", "250"))

PATH_CHARS = string.ascii_letters + string.digits + "-._~!$&'()*+,;=:@"
QUERY_CHARS = string.ascii_letters + string.digits + "-._~!$'()*,;:@/"
ESCAPES = ["%20", "%2F", "%3A", "%3a", "%25", "%E2%82%AC", "%7E", "%2B", "+", "%26", "%3D"]
VALUE_CHARS = string.ascii_letters + string.digits + " \t!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"


def rand_text(rng, chars, lo, hi, escapes=()):
    out = []
    for _ in range(rng.randint(lo, hi)):
        if escapes and rng.random() < 0.15:
            out.append(rng.choice(escapes))
        else:
            out.append(rng.choice(chars))
    return "".join(out)


def rand_path(rng):
    segs = []
    for _ in range(rng.randint(0, 5)):
        r = rng.random()
        if r < 0.1:
            segs.append(".")
        elif r < 0.2:
            segs.append("..")
        elif r < 0.3:
            segs.append("")
        else:
            segs.append(rand_text(rng, PATH_CHARS, 1, 8, ESCAPES))
    path = "/" + "/".join(segs)
    if rng.random() < 0.2:
        path += "/"
    return path


def rand_query(rng):
    parts = []
    keys = [rand_text(rng, QUERY_CHARS, 1, 6, ESCAPES) for _ in range(rng.randint(1, 3))]
    for _ in range(rng.randint(0, 5)):
        key = rng.choice(keys)
        r = rng.random()
        if r < 0.15:
            parts.append(key)  # no '='
        elif r < 0.3:
            parts.append(key + "=")
        else:
            parts.append(key + "=" + rand_text(rng, QUERY_CHARS, 0, 8, ESCAPES))
    return "&".join(parts)


def rand_headers(rng):
    headers = []
    names = ["X-Test-" + rand_text(rng, string.ascii_letters + string.digits + "-", 1, 6)
             for _ in range(rng.randint(0, 3))]
    for _ in range(rng.randint(0, 5)):
        if not names:
            break
        name = rng.choice(names)
        if rng.random() < 0.3:
            name = name.lower() if rng.random() < 0.5 else name.upper()
        value = rand_text(rng, VALUE_CHARS, 0, 12)
        if rng.random() < 0.3:
            value = " " + value.replace(" ", "   ") + "\t"
        headers.append((name, value))
    return headers


def rand_request(rng):
    method = rng.choice(["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"])
    target = rand_path(rng)
    query = rand_query(rng)
    if query:
        target += "?" + query
    body = b""
    if method in ("POST", "PUT", "PATCH") and rng.random() < 0.8:
        body = bytes(rng.randrange(256) for _ in range(rng.randint(0, 64)))
    return method, target, rand_headers(rng), body


class SigV4AgainstBotocore(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.n = Nimbus().with_credentials("%s %s 123456789012\n" % (KEY, SECRET)).__enter__()
        cls.host = "%s:%d" % (cls.n.host, cls.n.port)

    @classmethod
    def tearDownClass(cls):
        cls.n.__exit__()

    def test_random_requests_verify_like_botocore_signs_them(self):
        seed = int(os.environ.get("NIMBUS_SIGV4_SEED", random.SystemRandom().randrange(1 << 30)))
        rng = random.Random(seed)
        for i in range(CASES):
            method, target, headers, body = rand_request(rng)
            when = now()
            raw = sign(method, self.host, target, headers, body, "sts", "us-east-1", KEY, SECRET,
                       when=when)
            with self.subTest(case=i, seed=seed, method=method, target=target, headers=headers):
                r = send(self.n.host, self.n.port, raw)
                self.assertNotIn(r.code(), AUTH_CODES, "nimbus refused what botocore signed "
                                 "(seed %d); botocore's canonical request:\n%s\n%r" % (
                                     seed, canonical_request(method, self.host, target, headers,
                                                             body, "sts", "us-east-1", when), r))
                # The same request with one signed part changed must be refused.
                tampered = sign(method, self.host, target, headers, body, "sts", "us-east-1",
                                KEY, SECRET, when=when)
                what = rng.choice(["method", "path", "body", "header"])
                if what == "method":
                    tampered.method = "GET" if method != "GET" else "PUT"
                elif what == "path":
                    path, _, query = tampered.target.partition("?")
                    tampered.target = path + "x" + ("?" + query if query else "")
                elif what == "body":
                    tampered.body += b"!"
                else:
                    tampered.headers.append(("X-Test-Added", "1"))
                    tampered.set("Authorization", tampered.header("Authorization").replace(
                        "SignedHeaders=", "SignedHeaders=x-test-added;", 1))
                t = send(self.n.host, self.n.port, tampered)
                self.assertIn(t.code(), AUTH_CODES, "tampered %s accepted (seed %d): %r" % (
                    what, seed, t))


if __name__ == "__main__":
    unittest.main()
