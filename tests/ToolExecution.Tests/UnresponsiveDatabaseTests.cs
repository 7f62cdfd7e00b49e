using System.Net;
using System.Text;
using System.Text.Json;
using Npgsql;
using Platform.Testing;

namespace Platform.ToolExecution.Tests;

/// <summary>
/// A call whose record cannot be committed is not answered as a success, and its client is not kept waiting: the
/// PostgreSQL restart drill (bench/drills.sh, drill 4) saw calls hang until the client gave up. Here an operator's
/// lock stands in for the restart: the commit neither succeeds nor fails.
/// </summary>
public sealed class UnresponsiveDatabaseTests(McpApp app) : IClassFixture<McpApp>
{
    [Fact]
    public async Task A_call_whose_commit_stalls_gets_503_and_is_still_recorded_once_the_database_answers()
    {
        var ct = TestContext.Current.CancellationToken;
        var key = await app.KeyAsync(["tools:call"]);
        using var http = app.RawClient(key);
        Assert.Equal(HttpStatusCode.OK, (await CallAsync(http, "warm-up")).StatusCode);
        var streamsBefore = await CountStreamsAsync();

        await using (var locker = new NpgsqlConnection(app.Database))
        {
            await locker.OpenAsync(ct);
            await using var transaction = await locker.BeginTransactionAsync(ct);
            await using (var lockStreams = new NpgsqlCommand("lock table tool_execution.mt_streams in access exclusive mode", locker, transaction))
            {
                await lockStreams.ExecuteNonQueryAsync(ct);
            }

            using var stalled = await CallAsync(http, "stalled");
            var body = await stalled.Content.ReadAsStringAsync(ct);

            Assert.Equal(HttpStatusCode.ServiceUnavailable, stalled.StatusCode);
            Assert.True(stalled.Headers.RetryAfter?.Delta > TimeSpan.Zero);
            Assert.Contains("\"code\":-32030", body, StringComparison.Ordinal);
            Assert.DoesNotContain("\"text\":\"stalled\"", body, StringComparison.Ordinal);
            await transaction.RollbackAsync(ct);
        }

        // The tool ran, so its record is written once the database answers; and calls succeed again by themselves.
        await Poll.UntilAsync(async () => await CountStreamsAsync() >= streamsBefore + 1, TimeSpan.FromSeconds(30), "the stalled call is recorded");
        await Poll.UntilAsync(async () => (await CallAsync(http, "after")).StatusCode == HttpStatusCode.OK, TimeSpan.FromSeconds(30),
            "calls succeed again", TimeSpan.FromMilliseconds(200));
    }

    private static Task<HttpResponseMessage> CallAsync(HttpClient http, string message) => http.PostAsync("/mcp", new StringContent(
        JsonSerializer.Serialize(new { jsonrpc = "2.0", id = 1, method = "tools/call", @params = new { name = "echo", arguments = new { message } } }),
        Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken);

    private async Task<long> CountStreamsAsync()
    {
        await using var connection = new NpgsqlConnection(app.Database);
        await connection.OpenAsync();
        await using var count = new NpgsqlCommand("select count(*) from tool_execution.mt_streams", connection);
        return (long)(await count.ExecuteScalarAsync())!;
    }
}
