"""ECR's OCI Distribution v1.1 endpoints driven over raw HTTP: uploads (monolithic, chunked,
out of order, resumable status, mount), manifests, tags, referrers, deletion, Range, bad input,
and persistence across restart and kill -9."""
import hashlib
import json
import signal
import unittest

from harness import Nimbus
from test_ecr_support import (OCI_CONFIG, OCI_LAYER_GZ, OCI_MANIFEST, http, oci_error, push_blob,
                              push_image, sha256)


class RegistryTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.n = Nimbus().start()
        for name in ("demo", "a/b/c", "other", "imm"):
            args = ["ecr", "create-repository", "--repository-name", name]
            if name == "imm":
                args += ["--image-tag-mutability", "IMMUTABLE"]
            cls.n.aws(*args)

    @classmethod
    def tearDownClass(cls):
        cls.n.__exit__(None, None, None)

    def test_base_and_version_header(self):
        status, h, body = http(self.n, "GET", "/v2/")
        self.assertEqual(status, 200)
        self.assertEqual(h["docker-distribution-api-version"], "registry/2.0")

    def test_chunked_upload_with_status_and_out_of_order(self):
        n = self.n
        status, h, _ = http(n, "POST", "/v2/a/b/c/blobs/uploads/", b"", {"Content-Length": "0"})
        self.assertEqual(status, 202)
        loc = h["location"]
        self.assertTrue(loc.startswith("/v2/a/b/c/blobs/uploads/"))
        data = b"0123456789" * 1000
        status, h, _ = http(n, "PATCH", loc, data[:4000], {"Content-Range": "0-3999",
                                                           "Content-Type": "application/octet-stream"})
        self.assertEqual(status, 202)
        self.assertEqual(h["range"], "0-3999")
        # Out of order: skipping bytes is refused with 416 and nothing appended.
        status, h, body = http(n, "PATCH", loc, data[5000:6000], {"Content-Range": "5000-5999"})
        self.assertEqual(status, 416)
        status, h, _ = http(n, "GET", loc)
        self.assertEqual(status, 204)
        self.assertEqual(h["range"], "0-3999")
        status, h, _ = http(n, "PATCH", loc, data[4000:9000], {"Content-Range": "4000-8999"})
        self.assertEqual(status, 202)
        # The closing PUT carries the last chunk.
        status, h, _ = http(n, "PUT", loc + "?digest=" + sha256(data), data[9000:],
                            {"Content-Range": "9000-9999"})
        self.assertEqual(status, 201)
        self.assertEqual(h["docker-content-digest"], sha256(data))
        status, h, body = http(n, "GET", "/v2/a/b/c/blobs/" + sha256(data))
        self.assertEqual((status, body), (200, data))
        # Range GET.
        status, h, body = http(n, "GET", "/v2/a/b/c/blobs/" + sha256(data), headers={"Range": "bytes=10-19"})
        self.assertEqual((status, body, h["content-range"]), (206, data[10:20], "bytes 10-19/10000"))
        status, h, body = http(n, "GET", "/v2/a/b/c/blobs/" + sha256(data), headers={"Range": "bytes=-5"})
        self.assertEqual((status, body), (206, data[-5:]))
        status, _, _ = http(n, "GET", "/v2/a/b/c/blobs/" + sha256(data), headers={"Range": "bytes=20000-"})
        self.assertEqual(status, 416)
        status, h, body = http(n, "HEAD", "/v2/a/b/c/blobs/" + sha256(data))
        self.assertEqual((status, h["content-length"], body), (200, "10000", b""))

    def test_wrong_digest_and_truncated_upload_publish_nothing(self):
        n = self.n
        data = b"truncated-blob-content"
        status, h, _ = http(n, "POST", "/v2/demo/blobs/uploads/")
        status, h, body = http(n, "PUT", h["location"] + "?digest=" + sha256(data), data[:-3])
        self.assertEqual((status, oci_error(body)), (400, "DIGEST_INVALID"))
        status, _, body = http(n, "GET", "/v2/demo/blobs/" + sha256(data))
        self.assertEqual((status, oci_error(body)), (404, "BLOB_UNKNOWN"))
        status, _, body = http(n, "GET", "/v2/demo/blobs/" + sha256(data[:-3]))
        self.assertEqual(status, 404)
        # Malformed digests.
        for bad in ("sha256:xyz", "md5:abcd", "sha256:" + "A" * 64):
            status, h, _ = http(n, "POST", "/v2/demo/blobs/uploads/")
            status, _, body = http(n, "PUT", h["location"] + "?digest=" + bad, b"x")
            self.assertEqual((status, oci_error(body)), (400, "DIGEST_INVALID"), bad)
        status, _, body = http(n, "GET", "/v2/demo/blobs/sha256:nothex")
        self.assertEqual((status, oci_error(body)), (400, "DIGEST_INVALID"))
        # Single-POST monolithic upload with a wrong digest.
        status, _, body = http(n, "POST", "/v2/demo/blobs/uploads/?digest=" + sha256(b"a"), b"b")
        self.assertEqual((status, oci_error(body)), (400, "DIGEST_INVALID"))
        status, _, _ = http(n, "POST", "/v2/demo/blobs/uploads/?digest=" + sha256(b"a"), b"a")
        self.assertEqual(status, 201)
        # Unknown upload session.
        status, _, body = http(n, "PATCH", "/v2/demo/blobs/uploads/nope", b"x")
        self.assertEqual((status, oci_error(body)), (404, "BLOB_UPLOAD_UNKNOWN"))

    def test_names_and_traversal(self):
        n = self.n
        for path in ("/v2/../../etc/manifests/x", "/v2/%2e%2e/x/manifests/latest",
                     "/v2/Demo/manifests/latest", "/v2/a//b/tags/list"):
            status, _, body = http(n, "GET", path)
            self.assertEqual((status, oci_error(body)), (400, "NAME_INVALID"), path)
        status, _, body = http(n, "GET", "/v2/nosuchrepo/tags/list")
        self.assertEqual((status, oci_error(body)), (404, "NAME_UNKNOWN"))
        status, _, body = http(n, "POST", "/v2/nosuchrepo/blobs/uploads/")
        self.assertEqual((status, oci_error(body)), (404, "NAME_UNKNOWN"))
        status, _, body = http(n, "PUT", "/v2/demo/manifests/bad:tag:x", b"{}")
        self.assertEqual(status, 400)
        status, _, body = http(n, "PUT", "/v2/demo/manifests/-badtag", b"{}")
        self.assertEqual(status, 400)

    def test_manifest_errors(self):
        n = self.n
        status, _, body = http(n, "PUT", "/v2/demo/manifests/x", b"{not json",
                               {"Content-Type": OCI_MANIFEST})
        self.assertEqual((status, oci_error(body)), (400, "MANIFEST_INVALID"))
        missing = {"schemaVersion": 2, "mediaType": OCI_MANIFEST,
                   "config": {"mediaType": OCI_CONFIG, "digest": sha256(b"none"), "size": 4},
                   "layers": []}
        status, _, body = http(n, "PUT", "/v2/demo/manifests/x", json.dumps(missing).encode(),
                               {"Content-Type": OCI_MANIFEST})
        self.assertEqual((status, oci_error(body)), (400, "MANIFEST_BLOB_UNKNOWN"))
        status, _, body = http(n, "GET", "/v2/demo/manifests/x")
        self.assertEqual((status, oci_error(body)), (404, "MANIFEST_UNKNOWN"))
        status, _, body = http(n, "PUT", "/v2/demo/manifests/big", b" " * (4 * 1024 * 1024 + 1))
        self.assertEqual(status, 413)

    def test_tag_moves_and_immutable(self):
        n = self.n
        d1, m1 = push_image(n, "demo", "1.10", "one")
        d2, _ = push_image(n, "demo", "1.10", "two")
        self.assertNotEqual(d1, d2)
        status, h, body = http(n, "GET", "/v2/demo/manifests/" + d1)
        self.assertEqual((status, body, h["content-type"]), (200, m1, OCI_MANIFEST))
        status, h, _ = http(n, "HEAD", "/v2/demo/manifests/1.10")
        self.assertEqual(h["docker-content-digest"], d2)
        push_image(n, "imm", "v1", "one")
        push_image(n, "imm", "v1", "one")  # same digest is fine
        with self.assertRaises(AssertionError) as ctx:
            push_image(n, "imm", "v1", "other")
        self.assertIn("TAG_INVALID", str(ctx.exception))

    def test_tags_list_paging_and_delete(self):
        n = self.n
        for t in ("t3", "t1", "t2"):
            push_image(n, "other", t, "tags-" + t)
        status, h, body = http(n, "GET", "/v2/other/tags/list?n=2")
        self.assertEqual(json.loads(body), {"name": "other", "tags": ["t1", "t2"]})
        self.assertIn('rel="next"', h["link"])
        status, h, body = http(n, "GET", "/v2/other/tags/list?n=2&last=t2")
        self.assertEqual(json.loads(body)["tags"], ["t3"])
        status, h, body = http(n, "GET", "/v2/other/tags/list?n=0")
        self.assertEqual(json.loads(body)["tags"], [])
        # Delete by tag removes the tag; delete by digest removes the image.
        _, h, _ = http(n, "HEAD", "/v2/other/manifests/t3")
        digest = h["docker-content-digest"]
        self.assertEqual(http(n, "DELETE", "/v2/other/manifests/t3")[0], 202)
        self.assertEqual(http(n, "GET", "/v2/other/manifests/t3")[0], 404)
        self.assertEqual(http(n, "GET", "/v2/other/manifests/" + digest)[0], 200)
        self.assertEqual(http(n, "DELETE", "/v2/other/manifests/" + digest)[0], 202)
        self.assertEqual(http(n, "GET", "/v2/other/manifests/" + digest)[0], 404)

    def test_mount_and_blob_delete(self):
        n = self.n
        d = push_blob(n, "demo", b"mount-me")
        status, h, _ = http(n, "POST", "/v2/other/blobs/uploads/?mount=%s&from=demo" % d)
        self.assertEqual((status, h["location"]), (201, "/v2/other/blobs/" + d))
        self.assertEqual(http(n, "GET", "/v2/other/blobs/" + d)[2], b"mount-me")
        # Unknown source: falls back to an upload session.
        status, h, _ = http(n, "POST", "/v2/other/blobs/uploads/?mount=%s&from=demo" % sha256(b"zz"))
        self.assertEqual(status, 202)
        self.assertEqual(http(n, "DELETE", h["location"])[0], 204)
        self.assertEqual(http(n, "DELETE", "/v2/other/blobs/" + d)[0], 202)
        self.assertEqual(http(n, "GET", "/v2/other/blobs/" + d)[0], 404)
        self.assertEqual(http(n, "GET", "/v2/demo/blobs/" + d)[0], 200)

    def test_referrers(self):
        n = self.n
        subject, _ = push_image(n, "demo", "subj", "subject")
        empty = push_blob(n, "demo", b"{}")
        sig = {"schemaVersion": 2, "mediaType": OCI_MANIFEST,
               "artifactType": "application/vnd.example.sig",
               "config": {"mediaType": "application/vnd.oci.empty.v1+json", "digest": empty, "size": 2},
               "layers": [{"mediaType": "application/vnd.oci.empty.v1+json", "digest": empty, "size": 2}],
               "subject": {"mediaType": OCI_MANIFEST, "digest": subject, "size": 1},
               "annotations": {"k": "v"}}
        body = json.dumps(sig).encode()
        status, h, _ = http(n, "PUT", "/v2/demo/manifests/" + sha256(body), body,
                            {"Content-Type": OCI_MANIFEST})
        self.assertEqual((status, h["oci-subject"]), (201, subject))
        status, h, body = http(n, "GET", "/v2/demo/referrers/" + subject)
        index = json.loads(body)
        self.assertEqual(h["content-type"], "application/vnd.oci.image.index.v1+json")
        self.assertEqual(len(index["manifests"]), 1)
        self.assertEqual(index["manifests"][0]["artifactType"], "application/vnd.example.sig")
        self.assertEqual(index["manifests"][0]["annotations"], {"k": "v"})
        status, h, body = http(n, "GET", "/v2/demo/referrers/" + subject + "?artifactType=x/y")
        self.assertEqual((json.loads(body)["manifests"], h["oci-filters-applied"]), ([], "artifactType"))
        status, _, body = http(n, "GET", "/v2/demo/referrers/" + sha256(b"none"))
        self.assertEqual((status, json.loads(body)["manifests"]), (200, []))


    def test_sha512_everywhere_a_digest_is(self):
        # OCI names sha512 beside sha256: blobs (monolithic, POST+PUT, chunked), HEAD, GET,
        # Range, mount, delete and manifests pushed by a sha512 digest.
        n = self.n
        def sha512(data):
            return "sha512:" + hashlib.sha512(data).hexdigest()
        missing = sha512(b"never pushed")
        for method in ("GET", "HEAD"):
            status, _, body = http(n, method, "/v2/demo/blobs/" + missing)
            self.assertEqual(status, 404, method)
        self.assertEqual(oci_error(http(n, "GET", "/v2/demo/blobs/" + missing)[2]), "BLOB_UNKNOWN")
        config = json.dumps({"architecture": "amd64", "os": "linux",
                             "rootfs": {"type": "layers", "diff_ids": []}}).encode()
        status, h, _ = http(n, "POST", "/v2/demo/blobs/uploads/?digest=" + sha512(config), config)
        self.assertEqual((status, h["docker-content-digest"]), (201, sha512(config)))
        self.assertEqual(h["location"], "/v2/demo/blobs/" + sha512(config))
        layer = b"sha512 layer " * 1000
        status, h, _ = http(n, "POST", "/v2/demo/blobs/uploads/")
        loc = h["location"]
        status, h, _ = http(n, "PATCH", loc, layer[:5000], {"Content-Range": "0-4999"})
        self.assertEqual(status, 202)
        status, h, _ = http(n, "PUT", h["location"] + "?digest=" + sha512(layer), layer[5000:],
                            {"Content-Range": "5000-%d" % (len(layer) - 1)})
        self.assertEqual((status, h["docker-content-digest"]), (201, sha512(layer)))
        status, h, body = http(n, "GET", "/v2/demo/blobs/" + sha512(layer))
        self.assertEqual((status, body, h["docker-content-digest"]), (200, layer, sha512(layer)))
        status, h, body = http(n, "HEAD", "/v2/demo/blobs/" + sha512(layer))
        self.assertEqual((status, h["content-length"], h["docker-content-digest"]),
                         (200, str(len(layer)), sha512(layer)))
        status, _, body = http(n, "GET", "/v2/demo/blobs/" + sha512(layer),
                               headers={"Range": "bytes=0-5"})
        self.assertEqual((status, body), (206, layer[:6]))
        # Not the same blob under the other algorithm.
        self.assertEqual(http(n, "GET", "/v2/demo/blobs/" + sha256(layer))[0], 404)
        # A wrong sha512 digest is refused and nothing is stored.
        status, _, body = http(n, "POST", "/v2/demo/blobs/uploads/?digest=" + sha512(b"a"), b"b")
        self.assertEqual((status, oci_error(body)), (400, "DIGEST_INVALID"))
        self.assertEqual(http(n, "GET", "/v2/demo/blobs/" + sha512(b"a"))[0], 404)
        # A manifest of sha512 descriptors, pushed by its sha512 digest and by a tag.
        manifest = json.dumps({
            "schemaVersion": 2, "mediaType": OCI_MANIFEST,
            "config": {"mediaType": OCI_CONFIG, "digest": sha512(config), "size": len(config)},
            "layers": [{"mediaType": OCI_LAYER_GZ, "digest": sha512(layer),
                        "size": len(layer)}]}).encode()
        status, h, _ = http(n, "PUT", "/v2/demo/manifests/" + sha512(manifest), manifest,
                            {"Content-Type": OCI_MANIFEST})
        self.assertEqual((status, h["docker-content-digest"]), (201, sha512(manifest)))
        status, h, body = http(n, "GET", h["location"], headers={"Accept": OCI_MANIFEST})
        self.assertEqual((status, body, h["docker-content-digest"]),
                         (200, manifest, sha512(manifest)))
        status, h, _ = http(n, "HEAD", "/v2/demo/manifests/" + sha512(manifest))
        self.assertEqual((status, h["content-length"]), (200, str(len(manifest))))
        status, h, _ = http(n, "PUT", "/v2/demo/manifests/sha512tag", manifest,
                            {"Content-Type": OCI_MANIFEST})
        self.assertEqual((status, h["docker-content-digest"]), (201, sha256(manifest)))
        bad = sha512(manifest + b" ")
        status, _, body = http(n, "PUT", "/v2/demo/manifests/" + bad, manifest,
                               {"Content-Type": OCI_MANIFEST})
        self.assertEqual((status, oci_error(body)), (400, "DIGEST_INVALID"))
        self.assertEqual(http(n, "GET", "/v2/demo/manifests/" + bad)[0], 404)
        # Mount into another repository, delete there, still in the first.
        status, h, _ = http(n, "POST", "/v2/other/blobs/uploads/?mount=%s&from=demo"
                            % sha512(config))
        self.assertEqual((status, h["location"]), (201, "/v2/other/blobs/" + sha512(config)))
        self.assertEqual(http(n, "GET", "/v2/other/blobs/" + sha512(config))[2], config)
        self.assertEqual(http(n, "DELETE", "/v2/other/blobs/" + sha512(config))[0], 202)
        self.assertEqual(http(n, "GET", "/v2/other/blobs/" + sha512(config))[0], 404)
        self.assertEqual(http(n, "GET", "/v2/demo/blobs/" + sha512(config))[0], 200)
        # Deleting the manifest by digest.
        self.assertEqual(http(n, "DELETE", "/v2/demo/manifests/" + sha512(manifest))[0], 202)
        self.assertEqual(http(n, "GET", "/v2/demo/manifests/" + sha512(manifest))[0], 404)
        # Other algorithms stay refused.
        status, _, body = http(n, "GET", "/v2/demo/blobs/sha384:" + "a" * 96)
        self.assertEqual((status, oci_error(body)), (400, "DIGEST_INVALID"))


class PersistenceTest(unittest.TestCase):
    def test_survives_restart_and_kill9(self):
        with Nimbus() as n:
            n.aws("ecr", "create-repository", "--repository-name", "keep")
            d1, m1 = push_image(n, "keep", "v1", "first")
            n.restart()
            self.assertEqual(http(n, "GET", "/v2/keep/manifests/v1")[2], m1)
            d2, m2 = push_image(n, "keep", "v1", "second")
            n.restart(signal.SIGKILL)
            self.assertEqual(http(n, "GET", "/v2/keep/manifests/v1")[2], m2)
            self.assertEqual(http(n, "GET", "/v2/keep/manifests/" + d1)[2], m1)
            images = n.aws("ecr", "describe-images", "--repository-name", "keep")["imageDetails"]
            self.assertEqual(len(images), 2)
            # An upload session survives kill -9 (test_ecr_uploads has the details); one
            # cancelled before the restart stays unknown.
            status, h, _ = http(n, "POST", "/v2/keep/blobs/uploads/")
            http(n, "PATCH", h["location"], b"partial")
            status, gone, _ = http(n, "POST", "/v2/keep/blobs/uploads/")
            self.assertEqual(http(n, "DELETE", gone["location"])[0], 204)
            n.restart(signal.SIGKILL)
            status, _, body = http(n, "PUT", gone["location"] + "?digest=" + sha256(b"x"), b"x")
            self.assertEqual((status, oci_error(body)), (404, "BLOB_UPLOAD_UNKNOWN"))
            status, _, _ = http(n, "PUT", h["location"] + "?digest=" + sha256(b"partial"))
            self.assertEqual(status, 201)
            self.assertEqual(http(n, "GET", "/v2/keep/blobs/" + sha256(b"partial"))[2], b"partial")


if __name__ == "__main__":
    unittest.main()
