// Verifies SNS messages with npm sns-validator (signature, certificate fetched over https from
// SigningCertURL, host checked against /^localhost:\d+$/). argv[2]: a JSON file holding a list
// of message bodies. Needs NODE_EXTRA_CA_CERTS naming nimbus's CA. Prints one line per message:
// "ok <Type>" or "bad <error>"; exits 1 if any is bad.
import { readFileSync } from "node:fs";
import MessageValidator from "sns-validator";

const validator = new MessageValidator(/^localhost:\d+$/);
const messages = JSON.parse(readFileSync(process.argv[2], "utf8"));
let bad = 0;
for (const m of messages) {
  const result = await new Promise((resolve) => validator.validate(m, (err) => resolve(err)));
  if (result) {
    bad++;
    console.log("bad " + result.message);
  } else {
    console.log("ok " + JSON.parse(m).Type);
  }
}
process.exit(bad ? 1 : 0);
