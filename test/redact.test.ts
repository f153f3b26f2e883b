// Secrets never survive redaction, identifiers do.
import assert from "node:assert/strict";
import {test} from "node:test";
import {REDACTED, redactText, redactValue} from "../loaders/redact.ts";

const signature = `0x${"ab".repeat(65)}`;

test("redactValue replaces secret fields at any depth and keeps identifiers", () => {
  const input = {
    headers: {POLY_ADDRESS: "0xabc", POLY_API_KEY: "0b7e-key-id", POLY_PASSPHRASE: "pass-123", POLY_SIGNATURE: "c2lnbmF0dXJl", Authorization: "Bearer abc.def.ghi"},
    request_body: {order: {maker: "0xmaker", signature}, owner: "0b7e-key-id"},
    list: [{secret: "s3cr3t"}]
  };
  const output = redactValue(input);
  assert.equal(output.headers.POLY_ADDRESS, "0xabc");
  assert.equal(output.headers.POLY_API_KEY, "0b7e-key-id");
  assert.equal(output.headers.POLY_PASSPHRASE, REDACTED);
  assert.equal(output.headers.POLY_SIGNATURE, REDACTED);
  assert.equal(output.headers.Authorization, REDACTED);
  assert.equal(output.request_body.order.signature, REDACTED);
  assert.equal(output.request_body.order.maker, "0xmaker");
  assert.equal(output.list[0].secret, REDACTED);
  assert.equal(input.headers.POLY_PASSPHRASE, "pass-123", "the input is not modified");
});

test("redactText scrubs secrets pasted into free text, JSON fragments and FIX", () => {
  const cases: [string, string][] = [
    ['{"POLY_PASSPHRASE": "pass-123", "x": 1', "pass-123"],
    ["my api secret: 'c2VjcmV0LWJhc2U2NA=='", "c2VjcmV0LWJhc2U2NA=="],
    ["passphrase=hunter2&key=1", "hunter2"],
    ["curl -H 'Authorization: Bearer eyJhbGciOi.payload.sig'", "eyJhbGciOi.payload.sig"],
    ["8=FIXT.1.1|35=A|553=key|554=fixpassword|10=000|", "fixpassword"],
    [`8=FIXT.1.1\x0135=A\x0196=rawsecret\x0110=000\x01`, "rawsecret"],
    [`signed it with ${signature} yesterday`, signature]
  ];
  for (const [text, secret] of cases) {
    const output = redactText(text);
    assert.ok(!output.includes(secret), `${JSON.stringify(text)} -> ${JSON.stringify(output)}`);
    assert.ok(output.includes(REDACTED));
  }
  const harmless = "order 0x1234 failed: not enough balance / allowance; tx 0x" + "cd".repeat(32);
  assert.equal(redactText(harmless), harmless, "hashes and error strings stay");
});
