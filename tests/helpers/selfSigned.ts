/**
 * Test helper: a self-signed TLS certificate for `localhost` and `127.0.0.1`, made with the
 * machine's `openssl` in a temp folder, and an HTTP(S) GET that trusts it.
 *
 *   const tls = makeSelfSigned();           // { dir, certFile, keyFile, cert, key, remove() }
 *   const r = await get("https://127.0.0.1:port/", { ca: tls.cert });
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import https from "node:https";
import os from "node:os";
import path from "node:path";

export interface SelfSigned {
  dir: string;
  certFile: string;
  keyFile: string;
  cert: string;
  key: string;
  remove(): void;
}

export function makeSelfSigned(names = ["DNS:localhost", "IP:127.0.0.1"]): SelfSigned {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rally-tls-"));
  const certFile = path.join(dir, "cert.pem");
  const keyFile = path.join(dir, "key.pem");
  execFileSync(
    "openssl",
    [
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:prime256v1",
      "-nodes",
      "-keyout",
      keyFile,
      "-out",
      certFile,
      "-days",
      "2",
      "-subj",
      "/CN=localhost",
      "-addext",
      `subjectAltName=${names.join(",")}`,
    ],
    { stdio: "ignore" },
  );
  return {
    dir,
    certFile,
    keyFile,
    cert: fs.readFileSync(certFile, "utf8"),
    key: fs.readFileSync(keyFile, "utf8"),
    remove: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}

export interface GetResult {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** GET (or another method) over http or https, trusting `ca` when given; never follows redirects. */
export function get(
  url: string,
  options: { ca?: string; headers?: Record<string, string>; method?: string } = {},
): Promise<GetResult> {
  return new Promise((resolve, reject) => {
    const lib = url.startsWith("https:") ? https : http;
    const req = lib.request(
      url,
      {
        method: options.method ?? "GET",
        headers: options.headers ?? {},
        ...(options.ca ? { ca: options.ca } : {}),
      },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (d: string) => {
          body += d;
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on("error", reject);
    req.end();
  });
}
