/**
 * A failing REST request as the cURL command that repeats it. Auth headers are shell-variable
 * placeholders the engineer fills in (the L2 HMAC signature has to be recomputed for a new
 * timestamp anyway). The logged body was redacted at ingest; everything taken from the log is
 * redacted again here (not the placeholder lines: the redactor would take `$POLY_SIGNATURE` for a value).
 */
import {WorkbenchError} from "../../loaders/errors.ts";
import {redactText} from "../../loaders/redact.ts";
import type {Warehouse} from "../../loaders/warehouse/connection.ts";

export const CLOB_HOST = "https://clob.polymarket.com";
export const AUTH_PLACEHOLDERS = ["POLY_ADDRESS", "POLY_API_KEY", "POLY_PASSPHRASE", "POLY_SIGNATURE", "POLY_TIMESTAMP"] as const;

export class RequestNotFoundError extends WorkbenchError {
  constructor(requestId: string) {
    super(`no REST request "${requestId}" in api_requests (request ids look like req_01M3PDWCK0B37Z4FZC0EX7VHNQ; the timeline's rest entries cite them)`);
  }
}

export interface LoggedRequest {
  request_id: string;
  ts: string;
  method: string;
  path: string;
  query: string | null;
  request_body: string | null;
  status: number;
  error_message: string | null;
  api_key_id: string | null;
  address: string | null;
  user_agent: string | null;
  [column: string]: unknown;
}

export async function loggedRequest(warehouse: Warehouse, requestId: string): Promise<LoggedRequest> {
  const row = await warehouse.json<LoggedRequest>(
    `SELECT request_id, strftime(ts, '%Y-%m-%dT%H:%M:%S.%gZ') AS ts, method, path, query, request_body::VARCHAR AS request_body,
            status, error_message, api_key_id, address, user_agent
       FROM api_requests WHERE request_id = $1`,
    [requestId]
  );
  if (!row[0]) throw new RequestNotFoundError(requestId);
  return row[0];
}

const shellQuote = (text: string) => `'${text.replace(/'/g, `'\\''`)}'`;

/** The cURL command (with a comment naming the request, its answer, and what to fill in). */
export function curlFor(logged: LoggedRequest): string {
  const request = {...logged, error_message: logged.error_message && redactText(logged.error_message), request_body: logged.request_body && redactText(logged.request_body)};
  const url = `${CLOB_HOST}${request.path}${request.query ? `?${request.query}` : ""}`;
  const lines = [
    `# ${request.request_id} at ${request.ts}: ${request.method} ${request.path} -> ${request.status}${request.error_message ? ` ${JSON.stringify(request.error_message)}` : ""}`,
    `# Set the POLY_* variables for the account (key id ${request.api_key_id ?? "unknown"}, address ${request.address ?? "unknown"});`,
    "# POLY_SIGNATURE is the HMAC-SHA256 of POLY_TIMESTAMP + method + path + body with the API secret.",
    ...(request.request_body?.includes("[REDACTED]") ? ["# Redacted fields (the order's signature) must be re-signed before the request is valid."] : []),
    `curl -sS -X ${request.method} ${shellQuote(redactText(url))} \\`,
    ...AUTH_PLACEHOLDERS.map((name) => `  -H "${name}: $${name}" \\`),
    ...(request.request_body ? [`  -H 'Content-Type: application/json' \\`, `  --data-raw ${shellQuote(request.request_body)}`] : [`  -H 'Accept: application/json'`])
  ];
  return lines.join("\n");
}
