#!/usr/bin/env python3
"""Generates tests/auth/vectors/sigv4_vectors.json with botocore's own signers.

Each vector is a request exactly as the server receives it (method, raw path, raw query,
headers, body) plus the signature botocore computed. Cases mirror AWS's published SigV4 test
suite (credentials AKIDEXAMPLE, 20150830T123600Z, us-east-1, service "service") and add real
client requests (sts query, lambda rest-json with double-encoded path, logs json) and presigned
URLs. Run: python3 tests/auth/vectors/generate_vectors.py > tests/auth/vectors/sigv4_vectors.json
"""
import datetime
import json
import sys
from unittest import mock
from urllib.parse import urlsplit

import botocore.auth
import botocore.session
from botocore.awsrequest import AWSRequest, AWSResponse
from botocore.credentials import Credentials

AKID = 'AKIDEXAMPLE'
SECRET = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY'
NOW = datetime.datetime(2015, 8, 30, 12, 36, 0)


def frozen():
    return mock.patch('botocore.auth.get_current_datetime', return_value=NOW)


def record(name, req, service, region, presigned=False, expires=0, url=None):
    parts = urlsplit(url or req.url)
    body = req.body or b''
    if isinstance(body, str):
        body = body.encode()
    def text(x):
        return x.decode('utf-8') if isinstance(x, bytes) else x
    headers = [[text(k), text(v)] for k, v in req.headers.items()]
    if not any(k.lower() == 'host' for k, _ in headers):
        headers.insert(0, ['Host', parts.netloc])
    if presigned:
        sig = parts.query.rsplit('X-Amz-Signature=', 1)[1]
    else:
        sig = text(req.headers['Authorization']).rsplit('Signature=', 1)[1]
    return {
        'name': name, 'service': service, 'region': region, 'method': req.method,
        'path': parts.path, 'query': parts.query, 'headers': headers,
        'body': body.decode('utf-8'), 'presigned': presigned, 'expires': expires,
        'signature': sig,
    }


def suite_case(name, method, path, query='', headers=(), body=b''):
    url = 'https://example.amazonaws.com' + path + ('?' + query if query else '')
    req = AWSRequest(method=method, url=url, data=body)
    req.headers['Host'] = 'example.amazonaws.com'
    for k, v in headers:
        req.headers[k] = v  # HTTPHeaders appends, so repeats become multiple values
    with frozen():
        botocore.auth.SigV4Auth(Credentials(AKID, SECRET), 'service', 'us-east-1').add_auth(req)
    return record(name, req, 'service', 'us-east-1')


def suite_cases():
    q_unreserved = '-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'
    return [
        suite_case('get-vanilla', 'GET', '/'),
        suite_case('get-vanilla-query', 'GET', '/'),
        suite_case('get-vanilla-empty-query-key', 'GET', '/', 'Param1=value1'),
        suite_case('get-vanilla-query-order-key', 'GET', '/', 'Param1=value2&Param1=Value1'),
        suite_case('get-vanilla-query-order-key-case', 'GET', '/', 'Param2=value2&Param1=value1'),
        suite_case('get-vanilla-query-order-value', 'GET', '/', 'Param1=value2&Param1=value1'),
        suite_case('get-vanilla-query-unreserved', 'GET', '/', q_unreserved + '=' + q_unreserved),
        suite_case('get-utf8', 'GET', '/\u1234'),
        suite_case('get-space', 'GET', '/example space/'),
        suite_case('get-header-key-duplicate', 'GET', '/', '',
                   [('My-Header1', 'value2'), ('My-Header1', 'value2'), ('My-Header1', 'value1')]),
        suite_case('get-header-value-order', 'GET', '/', '',
                   [('My-Header1', 'value4'), ('My-Header1', 'value1'), ('My-Header1', 'value3'),
                    ('My-Header1', 'value2')]),
        suite_case('get-header-value-trim', 'GET', '/', '',
                   [('My-Header1', ' value1'), ('My-Header2', ' "a   b   c"')]),
        suite_case('get-relative', 'GET', '/example/..'),
        suite_case('get-relative-relative', 'GET', '/example1/example2/../..'),
        suite_case('get-slash', 'GET', '//'),
        suite_case('get-slash-dot-slash', 'GET', '/./'),
        suite_case('get-slash-pointless-dot', 'GET', '/./example'),
        suite_case('get-slashes', 'GET', '//example//'),
        suite_case('post-header-key-case', 'POST', '/'),
        suite_case('post-header-key-sort', 'POST', '/', '', [('My-Header1', 'value1')]),
        suite_case('post-header-value-case', 'POST', '/', '', [('My-Header1', 'VALUE1')]),
        suite_case('post-vanilla', 'POST', '/'),
        suite_case('post-vanilla-empty-query-value', 'POST', '/', 'Param1=value1'),
        suite_case('post-vanilla-query', 'POST', '/', 'Param1=value1'),
        suite_case('post-x-www-form-urlencoded', 'POST', '/', '',
                   [('Content-Type', 'application/x-www-form-urlencoded')], b'Param1=value1'),
        suite_case('post-x-www-form-urlencoded-parameters', 'POST', '/', '',
                   [('Content-Type', 'application/x-www-form-urlencoded; charset=utf8')],
                   b'Param1=value1'),
        suite_case('post-sts-header-before', 'POST', '/', '',
                   [('X-Amz-Security-Token', 'AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x'
                     '4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/'
                     'kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFv'
                     'lRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqKmlzm8FDr'
                     'ypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA==')]),
    ]


def client_cases():
    """Requests built by real botocore clients, captured before they are sent."""
    session = botocore.session.get_session()
    out = []

    def capture(service, region, op, params, name):
        client = session.create_client(
            service, region_name=region, endpoint_url='http://localhost:4566',
            aws_access_key_id=AKID, aws_secret_access_key=SECRET)
        seen = {}

        def before_send(request, **kwargs):
            seen['req'] = request
            return AWSResponse(request.url, 500, {}, None)

        client.meta.events.register('before-send', before_send)
        with frozen():
            try:
                getattr(client, op)(**params)
            except Exception:  # the fake 500 makes the client raise; only the request matters
                pass
        out.append(record(name, seen['req'], client.meta.service_model.signing_name, region))

    capture('sts', 'us-east-1', 'get_caller_identity', {}, 'client-sts-get-caller-identity')
    capture('lambda', 'eu-west-1', 'invoke',
            {'FunctionName': 'arn:aws:lambda:eu-west-1:123456789012:function:my fn',
             'Payload': b'{"k": "v"}', 'Qualifier': '$LATEST'}, 'client-lambda-invoke-arn')
    capture('logs', 'us-west-2', 'describe_log_groups', {'logGroupNamePrefix': '/aws/lambda/'},
            'client-logs-describe-log-groups')
    capture('sns', 'us-east-1', 'publish',
            {'TopicArn': 'arn:aws:sns:us-east-1:000000000000:t', 'Message': 'hi & bye = ok+ü'},
            'client-sns-publish-unicode')
    capture('ecr', 'us-east-1', 'describe_repositories', {}, 'client-ecr-describe-repositories')
    return out


def presigned_cases():
    out = []
    creds = Credentials(AKID, SECRET)
    for name, service, url, expires, token in [
        ('presign-sts-get-caller-identity', 'sts',
         'https://sts.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15', 900, None),
        ('presign-service-path', 'service', 'https://example.amazonaws.com/a%20b/c?x=1&y=%2F', 3600,
         None),
        ('presign-with-token', 'lambda', 'https://lambda.us-east-1.amazonaws.com/2015-03-31/functions',
         60, 'session/token+value=='),
    ]:
        req = AWSRequest(method='GET', url=url)
        c = Credentials(AKID, SECRET, token) if token else creds
        with frozen():
            botocore.auth.SigV4QueryAuth(c, service, 'us-east-1', expires=expires).add_auth(req)
        host = urlsplit(url).netloc
        req.headers['Host'] = host
        out.append(record(name, req, service, 'us-east-1', presigned=True, expires=expires))
    # A presigned URL produced by a real client. botocore signs it with the operation's HTTP
    # method (POST for STS), so it is only valid when sent as a POST with an empty body; real
    # STS rejects it as a GET (boto/boto3#756), and so do we.
    client = botocore.session.get_session().create_client(
        'sts', region_name='us-east-1', endpoint_url='http://localhost:4566',
        aws_access_key_id=AKID, aws_secret_access_key=SECRET)
    with frozen():
        url = client.generate_presigned_url('get_caller_identity', ExpiresIn=300)
    req = AWSRequest(method='POST', url=url, headers={'Host': 'localhost:4566'})
    out.append(record('presign-client-sts', req, 'sts', 'us-east-1', presigned=True, expires=300,
                      url=url))
    return out


def main():
    vectors = {
        'access_key_id': AKID, 'secret_access_key': SECRET, 'amz_date': '20150830T123600Z',
        'cases': suite_cases() + client_cases() + presigned_cases(),
    }
    json.dump(vectors, sys.stdout, indent=1, ensure_ascii=False)
    sys.stdout.write('\n')


if __name__ == '__main__':
    main()
