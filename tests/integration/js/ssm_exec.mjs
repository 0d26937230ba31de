// Drives one ECS Exec session through npm ssm-session (a third-party implementation of the
// Session Manager data channel) over npm ws: opens the stream URL with the token, sends the
// terminal size, types each argument after the first two as a line, and prints {"output": ..., "closed": {...}} when the channel closes.
// usage: node ssm_exec.mjs STREAM_URL TOKEN LINE...
import { createRequire } from "node:module";
const require = createRequire(import.meta.url);
const { ssm } = require("ssm-session");
const WebSocket = require("ws");

const [url, token, ...lines] = process.argv.slice(2);
const decoder = new TextDecoder();
const ws = new WebSocket(url);
ws.binaryType = "arraybuffer";
let output = "";


const timeout = setTimeout(() => {
  console.log(JSON.stringify({ output, error: "timeout" }));
  process.exit(2);
}, 60000);

ws.on("open", () => {
  ssm.init(ws, { token, termOptions: { rows: 24, cols: 80 } });
  for (const line of lines) ssm.sendText(ws, new TextEncoder().encode(line + "\r"));
});
ws.on("message", (data) => {
  const msg = ssm.decode(data);
  if (msg.messageType === "channel_closed") {
    clearTimeout(timeout);
    console.log(JSON.stringify({ output, closed: JSON.parse(decoder.decode(msg.payload)) }));
    process.exit(0);
  }
  if (msg.messageType !== "output_stream_data") return;
  ssm.sendACK(ws, msg);
  if (msg.payloadType === 1) {
    output += decoder.decode(msg.payload);
  }
});
ws.on("close", () => {
  console.log(JSON.stringify({ output, error: "closed without channel_closed" }));
  process.exit(3);
});
