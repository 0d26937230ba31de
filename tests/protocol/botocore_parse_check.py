#!/usr/bin/env python3
"""Feeds nimbus-encoded responses and errors through botocore's own response parsers.

Usage: botocore_parse_check.py PATH_TO_protocol_encode_tool
Each case gives python output values (datetimes, bytes) as a botocore client would return them;
the tool encodes them with nimbus' codecs and botocore must parse them back to the same dict.
"""

import base64
import datetime
import io
import json
import subprocess
import sys
import unittest

import botocore.session
from botocore.awsrequest import HeadersDict
from botocore.parsers import create_parser
from botocore.response import StreamingBody

UTC = datetime.timezone.utc
T0 = datetime.datetime(2024, 5, 17, 8, 30, 15, tzinfo=UTC)
T1 = datetime.datetime(2024, 5, 17, 8, 30, 15, 250000, tzinfo=UTC)
NASTY = 'a<b>&c"d\'e \u00e9\u2603 \t\nline'

OUTPUTS = [
    ('sts', 'GetCallerIdentity', {'UserId': 'AIDA123', 'Account': '123456789012',
                                  'Arn': 'arn:aws:iam::123456789012:user/x'}),
    ('sts', 'AssumeRole', {
        'Credentials': {'AccessKeyId': 'ASIA1', 'SecretAccessKey': 's', 'SessionToken': 't',
                        'Expiration': T0},
        'AssumedRoleUser': {'AssumedRoleId': 'AROA:s1', 'Arn': 'arn:aws:sts::1:assumed-role/r/s1'},
        'PackedPolicySize': 6}),
    ('sns', 'Publish', {'MessageId': 'm-1', 'SequenceNumber': '10'}),
    ('sns', 'ListTopics', {'Topics': [{'TopicArn': 'arn:1'}, {'TopicArn': 'arn:2'}],
                           'NextToken': 'n'}),
    ('sns', 'GetTopicAttributes', {'Attributes': {'Policy': NASTY, 'DisplayName': ''}}),
    ('sns', 'ListTagsForResource', {'Tags': [{'Key': 'k', 'Value': 'v'}]}),
    ('sns', 'ListSubscriptionsByTopic', {'Subscriptions': []}),
    ('lambda', 'Invoke', {'StatusCode': 200, 'FunctionError': 'Unhandled',
                          'LogResult': base64.b64encode(b'log').decode(),
                          'ExecutedVersion': '$LATEST', 'Payload': b'\x00\xff{"a":1}'}),
    ('lambda', 'Invoke', {'StatusCode': 202, 'Payload': b''}),
    ('lambda', 'GetFunction', {
        'Configuration': {'FunctionName': 'fn', 'MemorySize': 128, 'Timeout': 3,
                          'LastModified': '2024-05-17T08:30:15.000+0000',
                          'Environment': {'Variables': {'A': NASTY}},
                          'Architectures': ['x86_64']},
        'Code': {'Location': 'http://x/y', 'RepositoryType': 'S3'}, 'Tags': {'k': 'v'},
        'Concurrency': {'ReservedConcurrentExecutions': 5}}),
    ('lambda', 'ListFunctions', {'Functions': [{'FunctionName': 'a'}, {'FunctionName': 'b'}],
                                 'NextMarker': 'm'}),
    ('lambda', 'GetFunctionUrlConfig', {'FunctionUrl': 'u', 'FunctionArn': 'a',
                                        'AuthType': 'NONE', 'CreationTime': 'c',
                                        'LastModifiedTime': 'l', 'InvokeMode': 'BUFFERED'}),
    ('logs', 'GetLogEvents', {'events': [{'timestamp': 1715934615000, 'message': NASTY,
                                          'ingestionTime': 1715934615100}],
                              'nextForwardToken': 'f/1', 'nextBackwardToken': 'b/1'}),
    ('ecr', 'DescribeImages', {'imageDetails': [{
        'registryId': '1', 'repositoryName': 'r', 'imageDigest': 'sha256:ab',
        'imageTags': ['latest', 'v1'], 'imageSizeInBytes': 123456789012, 'imagePushedAt': T1}]}),
    ('ecr', 'GetAuthorizationToken', {'authorizationData': [{
        'authorizationToken': 'QVdTOnB3', 'expiresAt': T0, 'proxyEndpoint': 'http://x'}]}),
    ('ecs', 'DescribeTasks', {'tasks': [{'taskArn': 't', 'createdAt': T1, 'cpu': '256',
                                         'containers': [{'name': 'c', 'exitCode': 137}]}],
                              'failures': []}),
    ('imagebuilder', 'GetImage', {'requestId': 'r', 'image': {
        'arn': 'arn:img', 'name': 'img', 'type': 'DOCKER', 'state': {'status': 'AVAILABLE'},
        'outputResources': {'containers': [{'region': 'us-east-1', 'imageUris': ['u:1']}]},
        'dateCreated': '2024-05-17T08:30:15Z'}}),
    ('imagebuilder', 'CreateComponent', {'requestId': 'r', 'clientToken': 'c',
                                         'componentBuildVersionArn': 'arn:c/1.0.0/1'}),
    ('sqs', 'ReceiveMessage', {'Messages': [{
        'MessageId': 'm', 'Body': NASTY, 'Attributes': {'SentTimestamp': '1'},
        'MessageAttributes': {'b': {'DataType': 'Binary', 'BinaryValue': b'\x01\x02'}}}]}),
]

ERRORS = [
    ('sts', {'code': 'ExpiredTokenException', 'message': NASTY, 'status': 400}),
    ('sns', {'code': 'NotFound', 'message': 'Topic does not exist', 'status': 404}),
    ('sns', {'code': 'InternalError', 'message': 'boom', 'status': 500, 'sender': False}),
    ('lambda', {'code': 'ResourceNotFoundException', 'message': 'Function not found: x',
                'status': 404}),
    ('lambda', {'code': 'TooManyRequestsException', 'message': 'Rate exceeded', 'status': 429,
                'fields': {'Reason': 'CallerRateLimitExceeded'}}),
    ('logs', {'code': 'ResourceNotFoundException', 'message': 'The specified log group does '
              'not exist.'}),
    ('ecr', {'code': 'RepositoryNotFoundException', 'message': NASTY}),
    ('ecs', {'code': 'ClusterNotFoundException', 'message': 'Cluster not found.'}),
    ('imagebuilder', {'code': 'ResourceNotFoundException', 'message': 'nope', 'status': 404}),
    ('sqs', {'code': 'QueueDoesNotExist', 'message': 'no queue'}),
]


def to_value(v):
    if isinstance(v, bytes):
        return {'$binary': base64.b64encode(v).decode()}
    if isinstance(v, datetime.datetime):
        return v.timestamp()
    if isinstance(v, dict):
        return {k: to_value(x) for k, x in v.items()}
    if isinstance(v, list):
        return [to_value(x) for x in v]
    return v


def run_tool(tool, cases):
    proc = subprocess.run([tool], input=json.dumps(cases).encode(), capture_output=True,
                          check=True, timeout=60)
    return json.loads(proc.stdout)


class BotocoreParsesNimbus(unittest.TestCase):
    tool = None
    session = botocore.session.get_session()

    def parse(self, service, operation, encoded):
        model = self.session.get_service_model(service)
        op = model.operation_model(operation)
        body = base64.b64decode(encoded['body_b64'])
        headers = HeadersDict()
        for k, v in encoded['headers']:
            headers[k] = v
        response = {'status_code': encoded['status'], 'headers': headers, 'body': body,
                    'context': {'operation_name': operation}}
        if op.has_streaming_output and encoded['status'] < 300:
            response['body'] = StreamingBody(io.BytesIO(body), len(body))
        parser = create_parser(model.metadata['protocol'])
        return parser.parse(response, op.output_shape), headers

    def test_outputs(self):
        results = run_tool(self.tool, [{'service': s, 'operation': o, 'output': to_value(v)}
                                       for s, o, v in OUTPUTS])
        for (service, operation, expected), encoded in zip(OUTPUTS, results):
            with self.subTest(service=service, operation=operation):
                parsed, headers = self.parse(service, operation, encoded)
                meta = parsed.pop('ResponseMetadata')
                self.assertEqual(meta.get('RequestId'), 'req-1234')
                self.assertEqual(headers.get('x-amzn-requestid'), 'req-1234')
                for k, v in parsed.items():
                    if isinstance(v, StreamingBody):
                        parsed[k] = v.read()
                if service == 'lambda' and operation == 'Invoke':
                    self.assertEqual(encoded['status'], expected['StatusCode'])
                self.assertEqual(parsed, expected)

    def test_errors(self):
        results = run_tool(self.tool, [{'service': s, 'error': e} for s, e in ERRORS])
        for (service, error), encoded in zip(ERRORS, results):
            with self.subTest(service=service, code=error['code']):
                model = self.session.get_service_model(service)
                op = model.operation_model(model.operation_names[0])
                parsed, _ = self.parse(service, op.name, encoded)
                self.assertEqual(encoded['status'], error.get('status', 400))
                self.assertEqual(parsed['Error']['Code'], error['code'])
                self.assertEqual(parsed['Error']['Message'], error['message'])
                self.assertEqual(parsed['ResponseMetadata']['RequestId'], 'req-1234')
                if model.metadata['protocol'] == 'query':
                    self.assertEqual(parsed['Error']['Type'],
                                     'Sender' if error.get('sender', True) else 'Receiver')
                for k, v in error.get('fields', {}).items():
                    self.assertEqual(json.loads(base64.b64decode(encoded['body_b64']))[k], v)


if __name__ == '__main__':
    BotocoreParsesNimbus.tool = sys.argv.pop(1)
    unittest.main(verbosity=2)
