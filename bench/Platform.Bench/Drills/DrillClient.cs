using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

using Platform.Bench.Mcp;

namespace Platform.Bench.Drills;

/// <summary>How one call ended, as a client sees it.</summary>
public enum CallKind
{
    Success,

    /// <summary>Nothing answered: connection refused or reset.</summary>
    ConnectionError,

    /// <summary>No answer within the client's timeout: the hang a drill must not produce.</summary>
    Timeout,

    /// <summary>An HTTP error status (see <see cref="CallOutcome.Status"/>).</summary>
    HttpError,

    /// <summary>A 2xx answer for this id that is a tool error or a JSON-RPC error (the upstream drill expects these).</summary>
    ToolError,

    /// <summary>A 2xx answer that is not the echo of this call: the one outcome that is never acceptable.</summary>
    WrongAnswer,
}

/// <param name="Message">Unique per call; it is what the audit record is matched on.</param>
/// <param name="Start">Seconds on the drill's clock when the call was sent.</param>
/// <param name="End">Seconds on the drill's clock when it ended.</param>
/// <param name="Detail">The first part of an error answer (never the key: answers do not echo it).</param>
public sealed record CallOutcome(int Caller, string Message, CallKind Kind, int Status, double Start, double End, string? Detail)
{
    public string Label => Kind switch
    {
        CallKind.HttpError => "HTTP " + Status.ToString(CultureInfo.InvariantCulture),
        CallKind.ConnectionError => "connection error",
        CallKind.Timeout => "timeout",
        CallKind.WrongAnswer => "wrong answer",
        CallKind.ToolError => "tool error",
        _ => "success",
    };
}

/// <summary>
/// MCP <c>tools/call echo</c> with a unique JSON-RPC id and a unique message, so each answered call can be found in
/// the audit trail exactly once. Unlike the benchmark's client it classifies every failure instead of counting it.
/// </summary>
public sealed class DrillClient(HttpClient http, Uri endpoint, string bearer, string tag, Stopwatch clock)
{
    private long _next;

    public static HttpClient CreateHttpClient(TimeSpan timeout) => new(new SocketsHttpHandler
    {
        MaxConnectionsPerServer = 256,
        PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
        ConnectTimeout = TimeSpan.FromSeconds(2),
    })
    {
        Timeout = timeout,
    };

    public Uri Endpoint => endpoint;

    public async Task<CallOutcome> CallAsync(int caller, string tool = "echo", string? argumentsJson = null, string? bearerOverride = null)
    {
        var id = Interlocked.Increment(ref _next);
        var message = tag + "-" + id.ToString(CultureInfo.InvariantCulture);
        var arguments = argumentsJson ?? "{\"message\":\"" + message + "\"}";
        using var request = new HttpRequestMessage(HttpMethod.Post, endpoint)
        {
            Content = new StringContent(
                "{\"jsonrpc\":\"2.0\",\"id\":" + id.ToString(CultureInfo.InvariantCulture)
                    + ",\"method\":\"tools/call\",\"params\":{\"name\":\"" + tool + "\",\"arguments\":" + arguments + "}}",
                Encoding.UTF8, "application/json"),
        };
        request.Headers.Accept.ParseAdd("application/json");
        request.Headers.Accept.ParseAdd("text/event-stream");
        request.Headers.Add("MCP-Protocol-Version", "2025-06-18");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearerOverride ?? bearer);

        var start = clock.Elapsed.TotalSeconds;
        CallOutcome Ended(CallKind kind, int status = 0, string? detail = null) =>
            new(caller, message, kind, status, start, clock.Elapsed.TotalSeconds, detail);
        try
        {
            using var response = await http.SendAsync(request).ConfigureAwait(false);
            var body = await response.Content.ReadAsStringAsync().ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                var challenge = response.Headers.WwwAuthenticate.ToString();
                return Ended(CallKind.HttpError, (int)response.StatusCode, Shorten(challenge.Length > 0 ? challenge + " " + body : body));
            }

            var json = response.Content.Headers.ContentType?.MediaType == "text/event-stream" ? EchoClient.LastData(body) : body;
            return Answer(json, id) switch
            {
                (true, var text) when argumentsJson is not null || text == message => Ended(CallKind.Success, (int)response.StatusCode, argumentsJson is null ? null : Shorten(text ?? "")),
                (false, { } error) => Ended(CallKind.ToolError, (int)response.StatusCode, Shorten(error)),
                _ => Ended(CallKind.WrongAnswer, (int)response.StatusCode, Shorten(body)),
            };
        }
        catch (HttpRequestException e) when (e.InnerException is SocketException || e.HttpRequestError is HttpRequestError.ConnectionError or HttpRequestError.ResponseEnded)
        {
            return Ended(CallKind.ConnectionError, detail: e.HttpRequestError.ToString());
        }
        catch (HttpRequestException e)
        {
            return Ended(CallKind.ConnectionError, detail: e.HttpRequestError.ToString());
        }
        catch (TaskCanceledException)
        {
            return Ended(CallKind.Timeout);
        }
    }

    private static string Shorten(string text) => text.Length <= 300 ? text : text[..300] + "…";

    /// <summary>(true, text) for a result for this id; (false, text) for a tool or JSON-RPC error for it; (false, null) otherwise.</summary>
    private static (bool Ok, string? Text) Answer(string? json, long id)
    {
        if (json is null)
        {
            return (false, null);
        }

        try
        {
            using var document = JsonDocument.Parse(json);
            var root = document.RootElement;
            if (!root.TryGetProperty("id", out var answerId) || answerId.ValueKind != JsonValueKind.Number || answerId.GetInt64() != id)
            {
                return (false, null);
            }

            if (root.TryGetProperty("error", out var error))
            {
                return (false, error.GetRawText());
            }

            if (!root.TryGetProperty("result", out var result) || !result.TryGetProperty("content", out var content) || content.GetArrayLength() == 0
                || !content[0].TryGetProperty("text", out var text))
            {
                return (false, null);
            }

            var isError = result.TryGetProperty("isError", out var flag) && flag.ValueKind == JsonValueKind.True;
            return (!isError, text.GetString() ?? "");
        }
        catch (JsonException)
        {
            return (false, null);
        }
    }
}
