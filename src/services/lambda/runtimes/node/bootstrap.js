#!/usr/bin/env node
// nimbus's Lambda runtime for nodejs* handlers (node stdlib only).
//
// Speaks the Runtime API (2018-06-01) at $AWS_LAMBDA_RUNTIME_API over a keep-alive agent, loads
// the handler named by $_HANDLER ("file.export", file may be "dir/file", export may be "a.b")
// from $LAMBDA_TASK_ROOT as CommonJS (.js/.cjs) or ESM (.mjs, or "type": "module"), and runs
// async or callback handlers. Errors use AWS's shape {errorType, errorMessage, trace} (plus
// stackTrace, the same lines, for clients that read the Python-style field).
'use strict';

const fs = require('fs');
const http = require('http');
const path = require('path');
const url = require('url');
const util = require('util');

const [apiHost, apiPort] = (() => {
  const addr = process.env.AWS_LAMBDA_RUNTIME_API || '127.0.0.1:9001';
  const i = addr.lastIndexOf(':');
  return [addr.slice(0, i) || '127.0.0.1', Number(addr.slice(i + 1))];
})();
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const PREFIX = '/2018-06-01/runtime';

function request(method, p, body, headers) {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: apiHost, port: apiPort, method, path: PREFIX + p, agent, headers: headers || {} },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      });
    req.on('error', reject);
    if (body !== undefined) req.end(body); else req.end();
  });
}

function postError(p, shape) {
  return request('POST', p, JSON.stringify(shape), {
    'Content-Type': 'application/vnd.aws.lambda.error+json',
    'Lambda-Runtime-Function-Error-Type': shape.errorType,
  });
}

function errorShape(err, type) {
  if (!(err instanceof Error)) {
    const text = typeof err === 'string' ? err : util.inspect(err);
    return { errorType: type || 'Error', errorMessage: text, trace: [], stackTrace: [] };
  }
  const trace = String(err.stack || '').split('\n');
  return {
    errorType: type || err.name || 'Error',
    errorMessage: err.message,
    trace,
    stackTrace: trace,
  };
}

class HandlerError extends Error {
  constructor(type, message) { super(message); this.type = type; }
}

// Logs as Lambda's Node runtime does: "<ISO time>\t<request id>\t<LEVEL>\t<message>".
let currentRequestId;
function patchConsole() {
  const write = (stream, level) => (...args) => {
    const line = `${new Date().toISOString()}\t${currentRequestId || 'undefined'}\t${level}\t${util.format(...args)}\n`;
    stream.write(line.replace(/\n(?!$)/g, '\r'));
  };
  console.log = write(process.stdout, 'INFO');
  console.info = write(process.stdout, 'INFO');
  console.debug = write(process.stdout, 'DEBUG');
  console.warn = write(process.stderr, 'WARN');
  console.error = write(process.stderr, 'ERROR');
  console.trace = write(process.stderr, 'TRACE');
}

function findModule(root, name) {
  for (const ext of ['.js', '.mjs', '.cjs']) {
    const file = path.resolve(root, name + ext);
    if (fs.existsSync(file)) return file;
  }
  return null;
}

function isEsm(file) {
  if (file.endsWith('.mjs')) return true;
  if (file.endsWith('.cjs')) return false;
  for (let dir = path.dirname(file); ; dir = path.dirname(dir)) {
    const pkg = path.join(dir, 'package.json');
    if (fs.existsSync(pkg)) {
      try { return JSON.parse(fs.readFileSync(pkg, 'utf8')).type === 'module'; } catch (e) { return false; }
    }
    if (dir === path.dirname(dir)) return false;
  }
}

async function loadHandler(spec, root) {
  const base = path.basename(spec);
  const dot = base.indexOf('.');
  if (dot <= 0 || dot === base.length - 1) {
    throw new HandlerError('Runtime.MalformedHandlerName', `Bad handler ${spec}`);
  }
  const moduleName = path.join(path.dirname(spec), base.slice(0, dot));
  const exportPath = base.slice(dot + 1).split('.');
  const file = findModule(root, moduleName);
  let mod;
  try {
    if (!file) {
      throw new HandlerError('Runtime.ImportModuleError', `Error: Cannot find module '${moduleName}'`);
    } else if (isEsm(file)) {
      mod = await import(url.pathToFileURL(file).href);
    } else {
      try {
        mod = require(file);
      } catch (e) {
        if (e && e.code === 'ERR_REQUIRE_ESM') mod = await import(url.pathToFileURL(file).href);
        else throw e;
      }
    }
  } catch (e) {
    if (e instanceof HandlerError) throw e;
    if (e instanceof SyntaxError) {
      throw new HandlerError('Runtime.UserCodeSyntaxError', `${e.name}: ${e.message}`);
    }
    if (e && (e.code === 'MODULE_NOT_FOUND' || e.code === 'ERR_MODULE_NOT_FOUND')) {
      throw new HandlerError('Runtime.ImportModuleError', `Error: Cannot find module '${moduleName}'`);
    }
    throw e;
  }
  let fn = mod;
  for (const key of exportPath) fn = fn == null ? undefined : fn[key];
  if (fn === undefined && mod && mod.default) {  // CommonJS loaded through import()
    fn = mod.default;
    for (const key of exportPath) fn = fn == null ? undefined : fn[key];
  }
  if (fn === undefined) {
    throw new HandlerError('Runtime.HandlerNotFound', `${moduleName}.${exportPath.join('.')} is undefined or not exported`);
  }
  if (typeof fn !== 'function') {
    throw new HandlerError('Runtime.HandlerNotFound', `${moduleName}.${exportPath.join('.')} is not a function`);
  }
  return fn;
}

function makeContext(headers, done) {
  const env = process.env;
  const deadline = Number(headers['lambda-runtime-deadline-ms'] || 0);
  const parse = (t) => { try { return t ? JSON.parse(t) : undefined; } catch (e) { return undefined; } };
  return {
    awsRequestId: headers['lambda-runtime-aws-request-id'],
    invokedFunctionArn: headers['lambda-runtime-invoked-function-arn'],
    functionName: env.AWS_LAMBDA_FUNCTION_NAME,
    functionVersion: env.AWS_LAMBDA_FUNCTION_VERSION,
    memoryLimitInMB: env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    logGroupName: env.AWS_LAMBDA_LOG_GROUP_NAME,
    logStreamName: env.AWS_LAMBDA_LOG_STREAM_NAME,
    clientContext: parse(headers['lambda-runtime-client-context']),
    identity: parse(headers['lambda-runtime-cognito-identity']),
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: (err, result) => done(err, result),
    succeed: (result) => done(null, result),
    fail: (err) => done(err || new Error('handled'), undefined),
  };
}

// Runs one invocation; resolves to {error} or {result}.
function invoke(handler, event, headers) {
  return new Promise((resolve) => {
    let settled = false;
    const done = (err, result) => {
      if (settled) return;
      settled = true;
      if (err !== null && err !== undefined) resolve({ error: err });
      else resolve({ result });
    };
    const context = makeContext(headers, done);
    try {
      const ret = handler(event, context, done);
      if (ret && typeof ret.then === 'function') ret.then((r) => done(null, r), (e) => done(e === undefined || e === null ? new Error(String(e)) : e));
      else if (handler.length < 3) done(null, ret);
    } catch (e) {
      done(e);
    }
  });
}

let inFlight;  // request id of the running invocation, for crash reports
async function main() {
  patchConsole();
  const root = process.env.LAMBDA_TASK_ROOT || '/var/task';
  let handler;
  try {
    handler = await loadHandler(process.env._HANDLER || '', root);
  } catch (e) {
    const shape = e instanceof HandlerError
      ? { errorType: e.type, errorMessage: e.message, trace: [], stackTrace: [] }
      : errorShape(e);
    console.error(`${shape.errorType}: ${shape.errorMessage}`);
    await postError('/init/error', shape).catch(() => {});
    process.exit(1);
  }
  for (;;) {
    const next = await request('GET', '/invocation/next');
    if (next.status !== 200) throw new Error(`invocation/next answered ${next.status}`);
    const headers = next.headers;
    const id = headers['lambda-runtime-aws-request-id'];
    currentRequestId = id;
    inFlight = id;
    if (headers['lambda-runtime-trace-id']) process.env._X_AMZN_TRACE_ID = headers['lambda-runtime-trace-id'];
    else delete process.env._X_AMZN_TRACE_ID;
    let event;
    try {
      event = next.body.length ? JSON.parse(next.body.toString('utf8')) : {};
    } catch (e) {
      event = next.body.toString('utf8');
    }
    const outcome = await invoke(handler, event, headers);
    if ('error' in outcome) {
      const shape = errorShape(outcome.error);
      console.error('Invoke Error', JSON.stringify(shape));
      await postError(`/invocation/${id}/error`, shape);
    } else {
      let payload;
      try {
        payload = JSON.stringify(outcome.result === undefined ? null : outcome.result);
      } catch (e) {
        const shape = errorShape(e, 'Runtime.MarshalError');
        await postError(`/invocation/${id}/error`, shape);
        continue;
      }
      await request('POST', `/invocation/${id}/response`, payload, { 'Content-Type': 'application/json' });
    }
    inFlight = undefined;
  }
}

async function crash(err, type) {
  const shape = errorShape(err, type);
  console.error(`${shape.errorType}: ${shape.errorMessage}`);
  const p = inFlight ? `/invocation/${inFlight}/error` : '/init/error';
  await postError(p, shape).catch(() => {});
  process.exit(129);
}
process.on('uncaughtException', (e) => crash(e));
process.on('unhandledRejection', (e) => crash(e instanceof Error ? e : new Error(String(e)), 'Runtime.UnhandledPromiseRejection'));

main().catch((e) => crash(e, 'Runtime.Unknown'));
