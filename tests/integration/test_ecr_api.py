"""The ECR API (json 1.1) with boto3 and the AWS CLI v1/v2: repositories, images, layer
uploads, lifecycle policies really applied, tag mutability, tags, authorization tokens, and
ECR's error codes."""
import base64
import json
import time
import unittest

from botocore.exceptions import ClientError

from harness import Nimbus
from test_ecr_support import OCI_MANIFEST, http, push_image, sha256


def code(ctx):
    return ctx.exception.response["Error"]["Code"]


class EcrApiTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.n = Nimbus().start()
        cls.ecr = cls.n.client("ecr")

    @classmethod
    def tearDownClass(cls):
        cls.n.__exit__(None, None, None)

    def test_repositories(self):
        ecr = self.ecr
        repo = ecr.create_repository(repositoryName="team/app", imageTagMutability="IMMUTABLE",
                                     imageScanningConfiguration={"scanOnPush": True},
                                     tags=[{"Key": "env", "Value": "dev"}])["repository"]
        self.assertEqual(repo["repositoryUri"], "%s:%d/team/app" % (self.n.host, self.n.port))
        self.assertEqual(repo["repositoryArn"], "arn:aws:ecr:us-east-1:000000000000:repository/team/app")
        self.assertEqual(repo["registryId"], "000000000000")
        self.assertTrue(repo["imageScanningConfiguration"]["scanOnPush"])
        with self.assertRaises(ClientError) as ctx:
            ecr.create_repository(repositoryName="team/app")
        self.assertEqual(code(ctx), "RepositoryAlreadyExistsException")
        for bad in ("UPPER", "a//b", "../x", "ab/"):
            with self.assertRaises(ClientError) as ctx:
                ecr.create_repository(repositoryName=bad)
            self.assertEqual(code(ctx), "InvalidParameterException", bad)
        with self.assertRaises(ClientError) as ctx:
            ecr.describe_repositories(repositoryNames=["nope"])
        self.assertEqual(code(ctx), "RepositoryNotFoundException")
        names = [r["repositoryName"] for r in ecr.describe_repositories()["repositories"]]
        self.assertIn("team/app", names)
        ecr.put_image_tag_mutability(repositoryName="team/app", imageTagMutability="MUTABLE")
        got = ecr.describe_repositories(repositoryNames=["team/app"])["repositories"][0]
        self.assertEqual(got["imageTagMutability"], "MUTABLE")
        arn = got["repositoryArn"]
        ecr.tag_resource(resourceArn=arn, tags=[{"Key": "owner", "Value": "me"}])
        ecr.untag_resource(resourceArn=arn, tagKeys=["env"])
        self.assertEqual(ecr.list_tags_for_resource(resourceArn=arn)["tags"],
                         [{"Key": "owner", "Value": "me"}])
        # Per-region namespaces.
        other = self.n.client("ecr", region="eu-west-1")
        self.assertEqual(other.describe_repositories()["repositories"], [])

    def test_field_note_tag_moves_and_delete(self):
        ecr, n = self.ecr, self.n
        ecr.create_repository(repositoryName="fieldnote")
        d1, _ = push_image(n, "fieldnote", "1.10", "first")
        time.sleep(0.01)
        d2, _ = push_image(n, "fieldnote", "1.10", "second")
        details = n.aws("ecr", "describe-images", "--repository-name", "fieldnote", v2=True)["imageDetails"]
        by = {d["imageDigest"]: d for d in details}
        self.assertEqual(set(by), {d1, d2})
        self.assertNotIn("imageTags", by[d1])
        self.assertEqual(by[d2]["imageTags"], ["1.10"])
        self.assertEqual(by[d2]["imageManifestMediaType"], OCI_MANIFEST)
        self.assertGreater(by[d2]["imageSizeInBytes"], 0)
        untagged = ecr.list_images(repositoryName="fieldnote", filter={"tagStatus": "UNTAGGED"})
        self.assertEqual(untagged["imageIds"], [{"imageDigest": d1}])
        tagged = ecr.describe_images(repositoryName="fieldnote", filter={"tagStatus": "TAGGED"})
        self.assertEqual([d["imageDigest"] for d in tagged["imageDetails"]], [d2])
        self.assertEqual(http(n, "GET", "/v2/fieldnote/manifests/" + d1)[0], 200)
        got = ecr.batch_get_image(repositoryName="fieldnote",
                                  imageIds=[{"imageTag": "1.10"}, {"imageTag": "nope"}])
        self.assertEqual(got["images"][0]["imageId"]["imageDigest"], d2)
        self.assertEqual(got["failures"][0]["failureCode"], "ImageNotFound")
        with self.assertRaises(ClientError) as ctx:
            ecr.describe_images(repositoryName="fieldnote", imageIds=[{"imageTag": "nope"}])
        self.assertEqual(code(ctx), "ImageNotFoundException")
        with self.assertRaises(ClientError) as ctx:
            ecr.delete_repository(repositoryName="fieldnote")
        self.assertEqual(code(ctx), "RepositoryNotEmptyException")
        # Deleting the last tag deletes the image.
        out = ecr.batch_delete_image(repositoryName="fieldnote", imageIds=[{"imageTag": "1.10"}])
        self.assertEqual(out["imageIds"], [{"imageDigest": d2, "imageTag": "1.10"}])
        self.assertEqual(http(n, "GET", "/v2/fieldnote/manifests/" + d2)[0], 404)
        ecr.delete_repository(repositoryName="fieldnote", force=True)
        with self.assertRaises(ClientError) as ctx:
            ecr.list_images(repositoryName="fieldnote")
        self.assertEqual(code(ctx), "RepositoryNotFoundException")

    def test_layer_upload_api_and_put_image(self):
        ecr = self.ecr
        ecr.create_repository(repositoryName="apiupload", imageTagMutability="IMMUTABLE")
        blobs = {}
        for data in (b'{"architecture":"amd64","os":"linux"}', b"x" * 30000):
            up = ecr.initiate_layer_upload(repositoryName="apiupload")
            uid = up["uploadId"]
            r = ecr.upload_layer_part(repositoryName="apiupload", uploadId=uid, partFirstByte=0,
                                      partLastByte=9999 if len(data) > 10000 else len(data) - 1,
                                      layerPartBlob=data[:10000])
            if len(data) > 10000:
                with self.assertRaises(ClientError) as ctx:  # out of order part
                    ecr.upload_layer_part(repositoryName="apiupload", uploadId=uid,
                                          partFirstByte=20000, partLastByte=29999,
                                          layerPartBlob=data[20000:])
                self.assertEqual(code(ctx), "InvalidLayerPartException")
                r = ecr.upload_layer_part(repositoryName="apiupload", uploadId=uid,
                                          partFirstByte=10000, partLastByte=29999,
                                          layerPartBlob=data[10000:])
            self.assertEqual(r["lastByteReceived"], len(data) - 1)
            done = ecr.complete_layer_upload(repositoryName="apiupload", uploadId=uid,
                                             layerDigests=[sha256(data)])
            blobs[done["layerDigest"]] = len(data)
        with self.assertRaises(ClientError) as ctx:
            ecr.complete_layer_upload(repositoryName="apiupload", uploadId="nope",
                                      layerDigests=[sha256(b"")])
        self.assertEqual(code(ctx), "UploadNotFoundException")
        avail = ecr.batch_check_layer_availability(repositoryName="apiupload",
                                                   layerDigests=list(blobs) + [sha256(b"no")])
        self.assertEqual(len(avail["layers"]), 2)
        self.assertEqual(avail["failures"][0]["failureCode"], "MissingLayerDigest")
        (cd, cs), (ld, ls) = list(blobs.items())
        manifest = json.dumps({"schemaVersion": 2, "mediaType": OCI_MANIFEST,
                               "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                                          "digest": cd, "size": cs},
                               "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar",
                                           "digest": ld, "size": ls}]})
        put = ecr.put_image(repositoryName="apiupload", imageManifest=manifest, imageTag="v1")
        self.assertEqual(put["image"]["imageId"]["imageDigest"], sha256(manifest.encode()))
        with self.assertRaises(ClientError) as ctx:
            ecr.put_image(repositoryName="apiupload", imageManifest=manifest, imageTag="v1")
        self.assertEqual(code(ctx), "ImageAlreadyExistsException")
        other = manifest.replace('"schemaVersion": 2', '"schemaVersion": 2, "annotations": {}')
        with self.assertRaises(ClientError) as ctx:
            ecr.put_image(repositoryName="apiupload", imageManifest=other, imageTag="v1")
        self.assertEqual(code(ctx), "ImageTagAlreadyExistsException")
        missing = manifest.replace(ld, sha256(b"missing"))
        with self.assertRaises(ClientError) as ctx:
            ecr.put_image(repositoryName="apiupload", imageManifest=missing, imageTag="v2")
        self.assertEqual(code(ctx), "LayersNotFoundException")
        with self.assertRaises(ClientError) as ctx:
            ecr.put_image(repositoryName="apiupload", imageManifest="{oops", imageTag="v3")
        self.assertEqual(code(ctx), "InvalidParameterException")
        with self.assertRaises(ClientError) as ctx:
            ecr.put_image(repositoryName="apiupload", imageManifest=manifest, imageTag="v4",
                          imageDigest=sha256(b"other"))
        self.assertEqual(code(ctx), "ImageDigestDoesNotMatchException")
        url = ecr.get_download_url_for_layer(repositoryName="apiupload", layerDigest=ld)
        self.assertTrue(url["downloadUrl"].endswith("/v2/apiupload/blobs/" + ld))

    def test_lifecycle_policy_removes_untagged(self):
        ecr, n = self.ecr, self.n
        ecr.create_repository(repositoryName="lifecycle")
        with self.assertRaises(ClientError) as ctx:
            ecr.get_lifecycle_policy(repositoryName="lifecycle")
        self.assertEqual(code(ctx), "LifecyclePolicyNotFoundException")
        digests = [push_image(n, "lifecycle", "latest", "v%d" % i)[0] for i in range(3)]
        self.assertEqual(len(ecr.list_images(repositoryName="lifecycle")["imageIds"]), 3)
        policy = {"rules": [{"rulePriority": 1, "description": "expire untagged",
                             "selection": {"tagStatus": "untagged", "countType": "imageCountMoreThan",
                                           "countNumber": 1},
                             "action": {"type": "expire"}}]}
        with self.assertRaises(ClientError) as ctx:
            bad = json.loads(json.dumps(policy))
            bad["rules"][0]["selection"]["countNumber"] = 0
            ecr.put_lifecycle_policy(repositoryName="lifecycle", lifecyclePolicyText=json.dumps(bad))
        self.assertEqual(code(ctx), "InvalidParameterException")
        n.aws("ecr", "put-lifecycle-policy", "--repository-name", "lifecycle",
              "--lifecycle-policy-text", json.dumps(policy))
        ids = ecr.list_images(repositoryName="lifecycle")["imageIds"]
        self.assertEqual(sorted(i["imageDigest"] for i in ids), sorted(digests[1:]))
        self.assertEqual(http(n, "GET", "/v2/lifecycle/manifests/" + digests[0])[0], 404)
        # Applied on push too.
        push_image(n, "lifecycle", "latest", "v9")
        ids = ecr.list_images(repositoryName="lifecycle", filter={"tagStatus": "UNTAGGED"})["imageIds"]
        self.assertEqual([i["imageDigest"] for i in ids], [digests[2]])
        got = ecr.get_lifecycle_policy(repositoryName="lifecycle")
        self.assertEqual(json.loads(got["lifecyclePolicyText"]), policy)
        self.assertIn("lastEvaluatedAt", got)
        ecr.delete_lifecycle_policy(repositoryName="lifecycle")
        with self.assertRaises(ClientError) as ctx:
            ecr.delete_lifecycle_policy(repositoryName="lifecycle")
        self.assertEqual(code(ctx), "LifecyclePolicyNotFoundException")

    def test_authorization_token(self):
        n = self.n
        for v2 in (False, True):
            data = n.aws("ecr", "get-authorization-token", v2=v2)["authorizationData"][0]
            user, password = base64.b64decode(data["authorizationToken"]).decode().split(":", 1)
            self.assertEqual(user, "AWS")
            self.assertEqual(data["proxyEndpoint"], "http://%s:%d" % (n.host, n.port))
        res = n.aws("ecr", "get-login-password", v2=True, check=False)
        self.assertEqual(res.returncode, 0, res.stderr)
        self.assertTrue(res.stdout.strip())  # plain text, not JSON
        # A token from account 111111111111 acts in that account's namespace.
        ecr111 = n.client("ecr", access_key="111111111111")
        ecr111.create_repository(repositoryName="mine")
        token = ecr111.get_authorization_token()["authorizationData"][0]["authorizationToken"]
        status, _, body = http(n, "GET", "/v2/mine/tags/list", headers={"Authorization": "Basic " + token})
        self.assertEqual(status, 200)
        self.assertEqual(http(n, "GET", "/v2/mine/tags/list")[0], 404)  # default account


if __name__ == "__main__":
    unittest.main()
