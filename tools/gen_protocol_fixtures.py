#!/usr/bin/env python3
"""Writes tests/protocol/fixtures/requests.json: HTTP requests made by botocore's own serializers.

Each case holds the operation's sample input (in nimbus' Value convention: blobs as
{"$binary": "<base64>"}, timestamps as epoch seconds) and the exact HTTP request botocore
produces for it (method, path, query, headers, base64 body). The C++ tests decode the requests
with nimbus' codecs and compare the decoded input with the sample.

Usage: gen_protocol_fixtures.py [OUT_FILE]
"""

import base64
import datetime
import json
import os
import sys

import botocore
import botocore.session
from botocore.awsrequest import prepare_request_dict, create_request_object
from botocore.serialize import create_serializer

T0 = datetime.datetime(2024, 5, 17, 8, 30, 15, tzinfo=datetime.timezone.utc)

CASES = [
    ('sts', 'GetCallerIdentity', {}),
    ('sts', 'AssumeRole', {
        'RoleArn': 'arn:aws:iam::123456789012:role/demo', 'RoleSessionName': 's1',
        'DurationSeconds': 900, 'Tags': [{'Key': 'team', 'Value': 'a&b c'},
                                         {'Key': 'k2', 'Value': 'ü=ß'}],
        'TransitiveTagKeys': ['team'], 'PolicyArns': [{'arn': 'arn:aws:iam::aws:policy/x'}]}),
    ('sns', 'Publish', {
        'TopicArn': 'arn:aws:sns:us-east-1:123456789012:t', 'Message': 'hello\nworld +%',
        'Subject': 'subj', 'MessageAttributes': {
            'color': {'DataType': 'String', 'StringValue': 'blue'},
            'n': {'DataType': 'Number', 'StringValue': '42'},
            'bin': {'DataType': 'Binary', 'BinaryValue': b'\x00\x01\xffbin'}}}),
    ('sns', 'Subscribe', {
        'TopicArn': 'arn:aws:sns:us-east-1:123456789012:t', 'Protocol': 'sqs',
        'Endpoint': 'arn:aws:sqs:us-east-1:123456789012:q', 'ReturnSubscriptionArn': True,
        'Attributes': {'RawMessageDelivery': 'true', 'FilterPolicy': '{"a":["b"]}'}}),
    ('sns', 'CreateTopic', {'Name': 't', 'Tags': []}),
    ('lambda', 'CreateFunction', {
        'FunctionName': 'fn', 'Runtime': 'provided.al2023', 'Role': 'arn:aws:iam::1:role/r',
        'Handler': 'bootstrap', 'Code': {'ZipFile': b'PK\x03\x04zipdata'}, 'Timeout': 30,
        'MemorySize': 256, 'Publish': True, 'Environment': {'Variables': {'A': '1', 'B': 'x y'}},
        'Layers': ['arn:aws:lambda:us-east-1:1:layer:l:1'], 'Architectures': ['x86_64'],
        'Tags': {'env': 'dev'}}),
    ('lambda', 'Invoke', {
        'FunctionName': 'arn:aws:lambda:us-east-1:123456789012:function:my-fn',
        'InvocationType': 'RequestResponse', 'LogType': 'Tail',
        'ClientContext': base64.b64encode(b'{"custom":{"a":1}}').decode(),
        'Payload': b'{"key": "value", "bin": "\xc3\xa9"}', 'Qualifier': '$LATEST'}),
    ('lambda', 'Invoke', {'FunctionName': 'fn', 'Payload': b'\x00\x01\x02\xff\xfe'}),
    ('lambda', 'ListFunctions', {'MaxItems': 10, 'Marker': 'abc/def', 'FunctionVersion': 'ALL'}),
    ('lambda', 'GetFunction', {'FunctionName': 'fn', 'Qualifier': '3'}),
    ('lambda', 'TagResource', {
        'Resource': 'arn:aws:lambda:us-east-1:123456789012:function:fn',
        'Tags': {'a': '1', 'b c': 'd/e'}}),
    ('lambda', 'UntagResource', {
        'Resource': 'arn:aws:lambda:us-east-1:123456789012:function:fn',
        'TagKeys': ['a', 'b c']}),
    ('logs', 'PutLogEvents', {
        'logGroupName': '/aws/lambda/fn', 'logStreamName': '2024/05/17/[$LATEST]abc',
        'logEvents': [{'timestamp': 1715934615000, 'message': 'START RequestId: x'},
                      {'timestamp': 1715934615001, 'message': 'tab\there "quoted" \u2603'}]}),
    ('logs', 'GetLogEvents', {
        'logGroupName': '/aws/lambda/fn', 'logStreamName': 's', 'startFromHead': True,
        'limit': 100, 'startTime': 1715934615000}),
    ('ecr', 'DescribeImages', {
        'repositoryName': 'repo', 'imageIds': [{'imageTag': 'latest'},
                                               {'imageDigest': 'sha256:' + 'a' * 64}],
        'filter': {'tagStatus': 'TAGGED'}, 'maxResults': 5}),
    ('ecs', 'RunTask', {
        'cluster': 'default', 'taskDefinition': 'td:1', 'count': 1,
        'overrides': {'containerOverrides': [{'name': 'c', 'command': ['echo', 'hi'],
                                              'environment': [{'name': 'X', 'value': '1'}]}]}}),
    ('ecs', 'SubmitTaskStateChange', {
        'cluster': 'c', 'pullStartedAt': T0, 'executionStoppedAt': T0,
        'attachments': [{'attachmentArn': 'a', 'status': 'ok'}]}),
    ('imagebuilder', 'CreateComponent', {
        'name': 'comp', 'semanticVersion': '1.0.0', 'platform': 'Linux',
        'data': 'name: x\nschemaVersion: 1.0\n', 'clientToken': 'tok-1', 'tags': {'k': 'v'}}),
    ('imagebuilder', 'GetImage', {
        'imageBuildVersionArn': 'arn:aws:imagebuilder:us-east-1:1:image/img/1.0.0/1'}),
    ('imagebuilder', 'ListImages', {'owner': 'Self', 'maxResults': 10}),
    ('sqs', 'SendMessage', {
        'QueueUrl': 'http://localhost:4566/000000000000/q', 'MessageBody': 'm',
        'DelaySeconds': 1, 'MessageAttributes': {
            'a': {'DataType': 'Binary', 'BinaryValue': b'\x01\x02'}}}),
]


def to_value(v):
    """Python input -> nimbus Value convention (JSON-able)."""
    if isinstance(v, bytes):
        return {'$binary': base64.b64encode(v).decode()}
    if isinstance(v, datetime.datetime):
        return v.timestamp()
    if isinstance(v, dict):
        return {k: to_value(x) for k, x in v.items()}
    if isinstance(v, list):
        return [to_value(x) for x in v]
    return v


def make_request(session, service, operation, params):
    model = session.get_service_model(service)
    op = model.operation_model(operation)
    serializer = create_serializer(model.metadata['protocol'], include_validation=True)
    request_dict = serializer.serialize_to_request(params, op)
    prepare_request_dict(request_dict, endpoint_url='http://localhost:4566')
    req = create_request_object(request_dict).prepare()
    url = req.url[len('http://localhost:4566'):]
    path, _, query = url.partition('?')
    body = req.body or b''
    if isinstance(body, str):
        body = body.encode()
    return {
        'method': req.method, 'path': path, 'query': query,
        'headers': [[k, v.decode() if isinstance(v, bytes) else v]
                    for k, v in req.headers.items()],
        'body_b64': base64.b64encode(body).decode(),
    }


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(__file__), '..', 'tests', 'protocol', 'fixtures', 'requests.json')
    session = botocore.session.get_session()
    cases = []
    for service, operation, params in CASES:
        cases.append({'service': service, 'operation': operation, 'input': to_value(params),
                      'request': make_request(session, service, operation, params)})
    doc = {'botocore_version': botocore.__version__, 'cases': cases}
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    with open(out, 'w', encoding='utf-8') as f:
        json.dump(doc, f, indent=1, ensure_ascii=False)
        f.write('\n')
    return 0


if __name__ == '__main__':
    sys.exit(main())
