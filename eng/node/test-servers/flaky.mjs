// A stdio MCP server for the failure drills (bench/Platform.Bench/Drills/UpstreamDrill.cs) that misbehaves on request:
// `crash` exits the process mid-call, `hang` never answers, `flood` answers with 4 MiB of text (and 1 MiB of stderr),
// `ok` answers normally.
import { send, serve } from "./line-server.mjs";

const text = (id, value) => send({ jsonrpc: "2.0", id, result: { content: [{ type: "text", text: value }] } });
const tool = (name, description) => ({ name, description, inputSchema: { type: "object" } });

serve("flaky", [
  tool("ok", "Answers at once."),
  tool("crash", "Exits the process without answering."),
  tool("hang", "Never answers."),
  tool("flood", "Answers with 4 MiB of text and writes 1 MiB to stderr."),
], (request) => {
  switch (request.params?.name) {
    case "ok":
      text(request.id, "ok from pid " + process.pid);
      break;
    case "crash":
      process.exit(3);
      break;
    case "hang":
      break;
    case "flood":
      process.stderr.write("x".repeat(1024 * 1024) + "\n");
      text(request.id, "y".repeat(4 * 1024 * 1024));
      break;
    default:
      send({ jsonrpc: "2.0", id: request.id, error: { code: -32602, message: "Unknown tool" } });
  }
});
