// The stdio framing shared by the test servers that misbehave in ways an MCP SDK would not allow: one JSON-RPC message
// per line, `initialize` answered with the client's protocol version, `tools/list` from `tools`, `tools/call` handed
// to `call`, anything else "method not found". No SDK, so the servers run without `npm install`.
import { createInterface } from "node:readline";

export const send = (message) => process.stdout.write(JSON.stringify(message) + "\n");

export function serve(name, tools, call) {
  createInterface({ input: process.stdin }).on("line", (line) => {
    let request;
    try {
      request = JSON.parse(line);
    } catch {
      return;
    }

    switch (request.method) {
      case "initialize":
        send({ jsonrpc: "2.0", id: request.id, result: {
          protocolVersion: request.params?.protocolVersion ?? "2025-06-18",
          capabilities: { tools: {} },
          serverInfo: { name, version: "1.0.0" },
        } });
        break;
      case "tools/list":
        send({ jsonrpc: "2.0", id: request.id, result: { tools } });
        break;
      case "tools/call":
        call(request);
        break;
      default:
        if (request.id !== undefined) {
          send({ jsonrpc: "2.0", id: request.id, error: { code: -32601, message: "Method not found" } });
        }
    }
  });
}
