"""Prints a presigned GET URL for STS GetCallerIdentity against ENDPOINT (for wrk)."""
import sys

import boto3

endpoint = sys.argv[1]
sts = boto3.client("sts", endpoint_url=endpoint, region_name="us-east-1",
                   aws_access_key_id="test", aws_secret_access_key="test")
print(sts.generate_presigned_url("get_caller_identity", ExpiresIn=3600))
