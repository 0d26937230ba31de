#!/usr/bin/env node
// nimbus's Lambda runtime for nodejs* handlers (node stdlib only).
//
// Speaks the Runtime API (2018-06-01) at $AWS_LAMBDA_RUNTIME_API over one keep-alive connection
// (pipelined: each result goes with the next GET /next in one write), loads
// the handler named by $_HANDLER ("file.export", file may be "dir/file", export may be "a.b")
// from $LAMBDA_TASK_ROOT as CommonJS (.js/.cjs) or ESM (.mjs, or "type": "module"), and runs
// async or callback handlers, and response-streaming ones (awslambda.streamifyResponse, with
// awslambda.HttpResponseStream.from's prelude for function URLs). Errors use AWS's shape
// {errorType, errorMessage, trace} (plus stackTrace, the same lines, for clients that read the
// Python-style field).
'use strict';

const fs = require('fs');
const net = require('net');
const { Writable } = require('stream');
const path = require('path');
const url = require('url');
const util = require('util');

const [apiHost, apiPort] = (() => {
  const addr = process.env.AWS_LAMBDA_RUNTIME_API || '127.0.0.1:9001';
  const i = addr.lastIndexOf(':');
  return [addr.slice(0, i) || '127.0.0.1', Number(addr.slice(i + 1))];
})();
const PREFIX = '/2018-06-01/runtime';
const MAX_PIPELINED_BODY = 6 * 1024 * 1024;  // larger responses are refused (413)

function encode(method, p, body, headers) {
  let head = `${method} ${PREFIX}${p} HTTP/1.1\r\nHost: ${apiHost}:${apiPort}\r\n`;
  for (const [k, v] of Object.entries(headers || {})) head += `${k}: ${v}\r\n`;
  const bytes = body === undefined ? undefined : Buffer.from(body);
  if (bytes !== undefined) head += `Content-Length: ${bytes.length}\r\n`;
  head += '\r\n';
  return bytes === undefined ? Buffer.from(head, 'latin1') : Buffer.concat([Buffer.from(head, 'latin1'), bytes]);
}
const NEXT_REQUEST = encode('GET', '/invocation/next');

// The status line and headers at the start of `buf` (header names lower-cased), or null while
// they are incomplete.
function parseHead(buf) {
  const end = buf.indexOf('\r\n\r\n');
  if (end < 0) return null;
  const lines = buf.toString('latin1', 0, end).split('\r\n');
  const headers = {};
  for (let i = 1; i < lines.length; i++) {
    const colon = lines[i].indexOf(':');
    if (colon > 0) headers[lines[i].slice(0, colon).trim().toLowerCase()] = lines[i].slice(colon + 1).trim();
  }
  return { status: Number(lines[0].split(' ')[1]), headers, headLen: end + 4 };
}

// One keep-alive connection to the Runtime API, spoken directly (node's http client cannot
// pipeline): a response posted with then_next carries GET /next in the same write, and the
// following next() only awaits its answer. Answers arrive in request order; a dropped
// connection fails what is outstanding and the next call reconnects (once per call).
class RuntimeConnection {
  constructor() { this.sock = null; this.nextAnswer = null; }

  open() {
    const sock = net.connect({ host: apiHost, port: apiPort });
    sock.setNoDelay(true);
    const state = { sock, chunks: [], length: 0, head: null, waiting: [] };
    // An answer already delivered (e.g. the event, then the server closed) stays with whoever
    // awaits it: only what is still outstanding fails, and next() asks again for those.
    const fail = (err) => {
      if (this.state === state) { this.state = null; this.sock = null; }
      const waiting = state.waiting.splice(0);
      for (const w of waiting) w.reject(err || new Error('the Runtime API closed the connection'));
    };
    sock.on('data', (data) => {
      state.chunks.push(data);
      state.length += data.length;
      try { this.deliver(state); } catch (e) { sock.destroy(); fail(e); }
    });
    sock.on('error', fail);
    sock.on('close', () => fail());
    this.sock = sock;
    this.state = state;
  }

  // Completes the oldest awaited answers whose bytes have all arrived.
  deliver(state) {
    while (state.waiting.length && state.length > 0) {
      let buf = state.chunks.length === 1 ? state.chunks[0] : Buffer.concat(state.chunks, state.length);
      state.chunks = [buf];
      if (!state.head) {
        state.head = parseHead(buf);
        if (!state.head) return;
        if (state.head.headers['transfer-encoding']) throw new Error('unexpected chunked answer');
      }
      const total = state.head.headLen + Number(state.head.headers['content-length'] || 0);
      if (buf.length < total) return;
      const { status, headers, headLen } = state.head;
      const response = { status, headers, body: buf.subarray(headLen, total) };
      buf = buf.subarray(total);
      state.chunks = buf.length ? [buf] : [];
      state.length = buf.length;
      state.head = null;
      state.waiting.shift().resolve(response);
      if ((headers.connection || '').toLowerCase() === 'close') { state.sock.destroy(); return; }
    }
  }

  // Sends `bytes` and returns one promise per answer expected (`answers` of them).
  send(bytes, answers) {
    if (!this.sock) this.open();
    const promises = [];
    for (let i = 0; i < answers; i++) {
      promises.push(new Promise((resolve, reject) => this.state.waiting.push({ resolve, reject })));
    }
    this.sock.write(bytes);
    return promises;
  }

  async request(method, p, body, headers, thenNext) {
    const bytes = encode(method, p, body, headers);
    const pipelined = !!thenNext && bytes.length <= MAX_PIPELINED_BODY;
    for (let attempt = 0; ; attempt++) {
      const [answer, next] = this.send(pipelined ? Buffer.concat([bytes, NEXT_REQUEST]) : bytes,
                                       pipelined ? 2 : 1);
      if (next) next.catch(() => {});  // a failure shows in next() instead
      this.nextAnswer = next || null;
      try {
        return await answer;
      } catch (e) {
        if (attempt === 1) throw e;
      }
    }
  }

  async next() {
    const pending = this.nextAnswer;
    this.nextAnswer = null;
    if (pending) {
      try { return await pending; } catch (e) { /* ask again below */ }
    }
    return this.request('GET', '/invocation/next');
  }
}
const api = new RuntimeConnection();

function request(method, p, body, headers, thenNext) {
  return api.request(method, p, body, headers, thenNext);
}

// `conn`: a crash report goes on a connection of its own: the main one may be waiting for the
// next event, and answers come in order.
function postError(p, shape, thenNext, conn = api) {
  return conn.request('POST', p, JSON.stringify(shape), {
    'Content-Type': 'application/vnd.aws.lambda.error+json',
    'Lambda-Runtime-Function-Error-Type': shape.errorType,
  }, thenNext);
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

// Response streaming as Lambda's Node runtime offers it: a handler wrapped by
// awslambda.streamifyResponse gets (event, responseStream, context) and writes its response to
// the stream, which goes to the Runtime API as a chunked POST (response mode streaming) on a
// connection of its own, as it is written. awslambda.HttpResponseStream.from(stream, prelude)
// first writes the function URL prelude: its JSON, then eight NUL bytes.
const STREAMING = Symbol('streaming');
const INTEGRATION_TYPE = 'application/vnd.awslambda.http-integration-response';

class ResponseStream extends Writable {
  constructor(id) {
    super();
    this.id = id;
    this.contentType = 'application/octet-stream';
    this.sock = null;
    this.answer = null;
  }

  setContentType(type) { this.contentType = type; }

  // Opens the POST on first use: the Content-Type is the one set by then.
  start() {
    if (this.sock) return;
    const sock = net.connect({ host: apiHost, port: apiPort });
    sock.setNoDelay(true);
    this.answer = new Promise((resolve) => {
      let got = '';
      sock.on('data', (d) => { got += d.toString('latin1'); if (got.includes('\r\n\r\n')) { resolve(got); sock.end(); } });
      sock.on('error', () => resolve(''));
      sock.on('close', () => resolve(got));
    });
    sock.write(`POST ${PREFIX}/invocation/${this.id}/response HTTP/1.1\r\nHost: ${apiHost}:${apiPort}\r\n` +
      `Content-Type: ${this.contentType}\r\nLambda-Runtime-Function-Response-Mode: streaming\r\n` +
      'Transfer-Encoding: chunked\r\n' +
      'Trailer: Lambda-Runtime-Function-Error-Type, Lambda-Runtime-Function-Error-Body\r\n\r\n');
    this.sock = sock;
  }

  _write(chunk, encoding, callback) {
    this.start();
    const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk, encoding);
    if (bytes.length === 0) return callback();
    this.sock.write(`${bytes.length.toString(16)}\r\n`);
    this.sock.write(bytes);
    this.sock.write('\r\n', callback);
  }

  // Ends the body, with the error trailers when `error` is set; resolves once nimbus answered.
  async finish(error) {
    this.start();
    let last = '0\r\n';
    if (error) {
      const shape = errorShape(error);
      last += `Lambda-Runtime-Function-Error-Type: ${shape.errorType}\r\n` +
        `Lambda-Runtime-Function-Error-Body: ${Buffer.from(JSON.stringify(shape)).toString('base64')}\r\n`;
    }
    this.sock.write(last + '\r\n');
    await this.answer;
  }
}

globalThis.awslambda = {
  streamifyResponse(handler) {
    const wrapped = (event, stream, context) => handler(event, stream, context);
    wrapped[STREAMING] = true;
    return wrapped;
  },
  HttpResponseStream: {
    from(stream, prelude) {
      stream.setContentType(INTEGRATION_TYPE);
      stream.write(JSON.stringify(prelude || {}));
      stream.write(Buffer.alloc(8));
      return stream;
    },
  },
};

// Runs a streaming handler for invocation `id` to its end; resolves once the response is posted.
async function invokeStreaming(handler, event, headers, id) {
  const stream = new ResponseStream(id);
  const ended = new Promise((resolve) => stream.on('finish', resolve));
  let error = null;
  try {
    await handler(event, stream, makeContext(headers, () => {}));
  } catch (e) {
    error = e === undefined || e === null ? new Error(String(e)) : e;
  }
  if (!error && !stream.writableEnded) stream.end();
  if (!error) await ended;
  if (error) console.error('Invoke Error', JSON.stringify(errorShape(error)));
  await stream.finish(error);
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
    const next = await api.next();
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
    if (handler[STREAMING]) {
      await invokeStreaming(handler, event, headers, id);
      inFlight = undefined;
      continue;
    }
    const outcome = await invoke(handler, event, headers);
    if ('error' in outcome) {
      const shape = errorShape(outcome.error);
      console.error('Invoke Error', JSON.stringify(shape));
      await postError(`/invocation/${id}/error`, shape, true);
    } else {
      let payload;
      try {
        payload = JSON.stringify(outcome.result === undefined ? null : outcome.result);
      } catch (e) {
        const shape = errorShape(e, 'Runtime.MarshalError');
        await postError(`/invocation/${id}/error`, shape, true);
        inFlight = undefined;
        continue;
      }
      await request('POST', `/invocation/${id}/response`, payload, { 'Content-Type': 'application/json' }, true);
    }
    inFlight = undefined;
  }
}

async function crash(err, type) {
  const shape = errorShape(err, type);
  console.error(`${shape.errorType}: ${shape.errorMessage}`);
  const p = inFlight ? `/invocation/${inFlight}/error` : '/init/error';
  await postError(p, shape, false, new RuntimeConnection()).catch(() => {});
  process.exit(129);
}
process.on('uncaughtException', (e) => crash(e));
process.on('unhandledRejection', (e) => crash(e instanceof Error ? e : new Error(String(e)), 'Runtime.UnhandledPromiseRejection'));

main().catch((e) => crash(e, 'Runtime.Unknown'));
