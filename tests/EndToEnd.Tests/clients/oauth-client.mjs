// An MCP client that knows only Platform's MCP URL and authorizes itself with OAuth, through the official TypeScript
// SDK's client auth (StreamableHTTPClientTransport + an OAuthClientProvider): the 401 leads it to the RFC 9728
// metadata, from there to the authorization server's metadata; it registers (Dynamic Client Registration, or a Client
// ID Metadata Document URL when OAUTH_CLIENT_METADATA_URL is given), runs the authorization-code flow with PKCE, lists
// tools, calls echo, refreshes its token, meets a 403 insufficient_scope and steps up.
//
// There is no browser here. Each time the SDK hands over an authorization URL (redirectToAuthorization), this script
// writes it to $OAUTH_HANDSHAKE_DIR/authorize-<n>.url and waits for $OAUTH_HANDSHAKE_DIR/code-<n>.txt, which the C#
// test (OAuthClientTests) writes after it drove the sign-in and consent pages over HTTP and caught the redirect to
// OAUTH_REDIRECT_URL (nothing listens there). Both sides write a temporary file and rename it, so neither reads half.
//
// Input (environment):
//   MCP_URL                    the MCP endpoint, e.g. http://127.0.0.1:5100/mcp
//   OAUTH_HANDSHAKE_DIR        a directory both sides can write
//   OAUTH_REDIRECT_URL         the redirect URI to register/use (default http://127.0.0.1:33418/callback)
//   OAUTH_CLIENT_METADATA_URL  optional: an https CIMD URL to use as client_id instead of registering
//   OAUTH_INITIAL_SCOPE        the scope of the first authorization (default "tools:list": the echo call then needs a step-up)
//   OAUTH_DISCOVERY_ONLY       "1": stop once the SDK has discovered the resource and its authorization server (before
//                              registering, or at the first authorization), and report what it found
// Output: progress lines on stderr, and one JSON line (the last line on stdout) describing what happened.
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import path from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { UnauthorizedError, auth } from "@modelcontextprotocol/sdk/client/auth.js";

const mcpUrl = new URL(required("MCP_URL"));
const handshakeDir = required("OAUTH_HANDSHAKE_DIR");
const redirectUrl = process.env.OAUTH_REDIRECT_URL ?? "http://127.0.0.1:33418/callback";
const clientMetadataUrl = process.env.OAUTH_CLIENT_METADATA_URL || undefined;
const initialScope = process.env.OAUTH_INITIAL_SCOPE ?? "tools:list";
const discoveryOnly = process.env.OAUTH_DISCOVERY_ONLY === "1";
const handshakeTimeoutMs = 120_000;

const result = { mode: clientMetadataUrl ? "cimd" : "dcr", authorizations: [], steps: [], wellKnown: [] };

function required(name) {
  const value = process.env[name];
  if (!value) {
    console.error(`${name} is required`);
    process.exit(2);
  }
  return value;
}

function step(name, detail) {
  result.steps.push(name);
  console.error(`[oauth-client] ${name}${detail ? ": " + detail : ""}`);
}

/** Decodes a JWT's payload without checking it (the server does); for reporting the claims only. */
function claimsOf(jwt) {
  try {
    return JSON.parse(Buffer.from(jwt.split(".")[1], "base64url").toString("utf8"));
  } catch {
    return null;
  }
}

/** Everything a real client would persist, in memory: this process is the whole client session. */
class HandshakeProvider {
  #clientInformation;
  #tokens;
  #codeVerifier;
  #discovery;
  #authorizations = 0;
  pendingAuthorization;

  get redirectUrl() {
    return redirectUrl;
  }

  get clientMetadataUrl() {
    return clientMetadataUrl;
  }

  get clientMetadata() {
    return {
      client_name: "Platform e2e OAuth client",
      redirect_uris: [redirectUrl],
      grant_types: ["authorization_code", "refresh_token"],
      response_types: ["code"],
      token_endpoint_auth_method: "none",
      application_type: "native",
      scope: initialScope,
    };
  }

  state() {
    this.lastState = crypto.randomUUID();
    return this.lastState;
  }

  clientInformation() {
    return this.#clientInformation;
  }

  saveClientInformation(information) {
    this.#clientInformation = information;
    result.clientId = information.client_id;
  }

  tokens() {
    return this.#tokens;
  }

  saveTokens(tokens) {
    this.#tokens = tokens;
  }

  /** A 403 insufficient_scope must lead to a new authorization, not to a refresh that keeps the same scope. */
  dropTokens() {
    this.#tokens = undefined;
  }

  saveCodeVerifier(verifier) {
    this.#codeVerifier = verifier;
  }

  codeVerifier() {
    return this.#codeVerifier;
  }

  saveDiscoveryState(state) {
    this.#discovery = state;
    result.discovery = {
      authorizationServer: state.authorizationServerUrl,
      resource: state.resourceMetadata?.resource,
      scopesSupported: state.resourceMetadata?.scopes_supported,
      cimdSupported: state.authorizationServerMetadata?.client_id_metadata_document_supported === true,
      pkceMethods: state.authorizationServerMetadata?.code_challenge_methods_supported,
      issParameterSupported: state.authorizationServerMetadata?.authorization_response_iss_parameter_supported === true,
    };
  }

  discoveryState() {
    return this.#discovery;
  }

  invalidateCredentials(scope) {
    step("invalidate", scope);
    if (scope === "all" || scope === "tokens") this.#tokens = undefined;
    if (scope === "all" || scope === "client") this.#clientInformation = undefined;
    if (scope === "all" || scope === "verifier") this.#codeVerifier = undefined;
    if (scope === "all" || scope === "discovery") this.#discovery = undefined;
  }

  /**
   * The SDK's hand-over of the authorization URL: published for the C# side, which answers with the code. The first
   * authorization asks only for OAUTH_INITIAL_SCOPE (a client may ask for less than the resource supports; the code
   * exchange carries no scope), so that a later call meets a 403 and steps up.
   */
  async redirectToAuthorization(authorizationUrl) {
    const n = ++this.#authorizations;
    const url = new URL(authorizationUrl);
    if (n === 1 && initialScope) url.searchParams.set("scope", initialScope);
    result.authorizations.push({
      n,
      scope: url.searchParams.get("scope"),
      resource: url.searchParams.get("resource"),
      codeChallengeMethod: url.searchParams.get("code_challenge_method"),
      hasState: url.searchParams.has("state"),
    });
    await mkdir(handshakeDir, { recursive: true });
    const file = path.join(handshakeDir, `authorize-${n}.url`);
    await writeFile(file + ".tmp", url.toString());
    await rename(file + ".tmp", file);
    console.log(`AUTHORIZE ${n} ${url}`);
    this.pendingAuthorization = n;
  }

  /** Waits for the C# side's answer to authorization n: the code, or "error=<reason>". */
  async codeFor(n) {
    const file = path.join(handshakeDir, `code-${n}.txt`);
    const deadline = Date.now() + handshakeTimeoutMs;
    while (!existsSync(file)) {
      if (Date.now() > deadline) throw new Error(`no authorization code for authorization ${n} within ${handshakeTimeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const answer = (await readFile(file, "utf8")).trim();
    if (answer.startsWith("error=")) throw new Error(`authorization ${n} failed: ${answer}`);
    return answer;
  }
}

const provider = new HandshakeProvider();

// Step-up needs a new authorization with the scopes the 403 names; the SDK would first try the refresh token, which
// can only give back the scope already granted. So a 403 insufficient_scope from the MCP endpoint drops the tokens.
const fetchWithStepUp = async (input, init) => {
  const response = await fetch(input, init);
  const url = new URL(input instanceof Request ? input.url : input);
  if (url.pathname.startsWith("/.well-known/")) {
    // Which documents the SDK looked up, in order, and what the protected resource's said.
    const seen = { url: url.toString(), status: response.status };
    if (response.ok && url.pathname.startsWith("/.well-known/oauth-protected-resource")) {
      seen.body = await response.clone().json().catch(() => null);
    }
    result.wellKnown.push(seen);
  }
  if (response.status === 403 && /error="insufficient_scope"/.test(response.headers.get("www-authenticate") ?? "")) {
    result.stepUpChallenge = response.headers.get("www-authenticate");
    step("403 insufficient_scope", result.stepUpChallenge);
    provider.dropTokens();
  }
  return response;
};

let transport;
let client;

/** Connects or repeats an operation, completing an authorization whenever the SDK asks for one. */
async function withAuthorization(operation) {
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      return await operation();
    } catch (error) {
      if (!(error instanceof UnauthorizedError) || provider.pendingAuthorization === undefined) throw error;
      const n = provider.pendingAuthorization;
      provider.pendingAuthorization = undefined;
      step("authorization code wanted", `#${n}`);
      const code = await provider.codeFor(n);
      await transport.finishAuth(code);
      step("token obtained", `#${n}`);
      const claims = claimsOf(provider.tokens()?.access_token ?? "");
      result.authorizations[n - 1].tokenClaims = claims && {
        sub: claims.sub, sub_kind: claims.sub_kind, scope: claims.scope, client_id: claims.client_id, aud: claims.aud, hasGid: !!claims.gid,
      };
      result.authorizations[n - 1].refreshToken = !!provider.tokens()?.refresh_token;
    }
  }
  throw new Error("authorization did not complete after 3 attempts");
}

async function connect() {
  transport = new StreamableHTTPClientTransport(mcpUrl, { authProvider: provider, fetch: fetchWithStepUp });
  client = new Client({ name: "platform-e2e-oauth", version: "1.0.0" });
  await client.connect(transport);
}

if (discoveryOnly) {
  try {
    await connect();
    result.error = "connected without authorization";
  } catch (error) {
    // Expected: the SDK stops at the authorization (UnauthorizedError) or, where the authorization server cannot
    // register clients, at registration; discovery happened before either.
    result.stoppedAt = String(error?.message ?? error);
    if (!result.wellKnown.some((d) => d.body?.resource)) result.error = result.stoppedAt;
  }
  await client?.close().catch(() => {});
  console.log(JSON.stringify(result));
  process.exit(result.error ? 1 : 0);
}

try {
  // 1. Knowing only the URL: the first request gets 401, discovery, registration and the first authorization.
  await withAuthorization(async () => {
    if (client) await client.close().catch(() => {});
    await connect();
  });
  step("connected");

  result.tools = (await withAuthorization(() => client.listTools())).tools.map((t) => t.name);
  step("tools listed", result.tools.join(","));

  // 2. A refresh: the SDK's auth() with stored tokens (no code) uses the refresh token; rotation gives a new one.
  const before = provider.tokens();
  const refreshed = await auth(provider, { serverUrl: mcpUrl, fetchFn: fetch });
  const after = provider.tokens();
  result.refresh = {
    result: refreshed,
    newAccessToken: !!after?.access_token && after.access_token !== before?.access_token,
    rotatedRefreshToken: !!after?.refresh_token && after.refresh_token !== before?.refresh_token,
  };
  step("refreshed", JSON.stringify(result.refresh));
  result.toolsAfterRefresh = (await withAuthorization(() => client.listTools())).tools.length;

  // 3. echo needs tools:call, which the first authorization did not ask for: 403, then a step-up authorization with
  //    the scopes the challenge names, then the call goes through.
  const echo = await withAuthorization(() => client.callTool({ name: "echo", arguments: { message: "from the oauth client" } }));
  result.echo = echo.content?.[0]?.text;
  step("echo called", result.echo);
} catch (error) {
  result.error = String(error?.stack ?? error);
  console.error(`[oauth-client] failed: ${result.error}`);
} finally {
  await client?.close().catch(() => {});
}

console.log(JSON.stringify(result));
process.exit(result.error ? 1 : 0);
