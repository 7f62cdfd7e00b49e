using ModelContextProtocol;
using ModelContextProtocol.Client;
using Npgsql;

namespace Platform.ToolExecution.Tests;

public sealed class ArgumentValidationTests(McpApp app) : IClassFixture<McpApp>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static TheoryData<string, string, string> InvalidCalls => new()
    {
        { "echo", """{"message":42}""", "'message': string expected" },
        { "echo", """{}""", "'message': property required" },
        { "echo", """{"message":null}""", "'message': string expected" },
        { "fs_write", """{"path":"a.txt"}""", "'content': property required" },
        { "fs_read", """{"path":["a"]}""", "'path': string expected" },
        { "http_fetch", """{"url":{"href":"http://example.com"}}""", "'url': string expected" },
    };

    [Theory]
    [MemberData(nameof(InvalidCalls))]
    public async Task Arguments_that_break_the_schema_get_invalid_params_naming_the_field(string tool, string arguments, string expected)
    {
        var tenant = "t" + Guid.NewGuid().ToString("N")[..10];
        await using var client = await app.ClientAsync(await app.KeyAsync(["tools:call"], tenant: tenant));
        var parsed = System.Text.Json.JsonSerializer.Deserialize<Dictionary<string, object?>>(arguments)!;

        var error = await Assert.ThrowsAsync<McpProtocolException>(() => client.CallToolAsync(tool, parsed, cancellationToken: Ct).AsTask());

        Assert.Equal(McpErrorCode.InvalidParams, error.ErrorCode);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.Equal(1, await RejectedAsInvalidAsync(tenant));
    }

    [Fact]
    public async Task Valid_arguments_reach_the_tool()
    {
        await using var client = await app.ClientAsync(await app.KeyAsync(["tools:call"]));

        var result = await client.CallToolAsync("echo", new Dictionary<string, object?> { ["message"] = "fine", ["extra"] = 1 }, cancellationToken: Ct);

        Assert.NotEqual(true, result.IsError);
    }

    private async Task<long> RejectedAsInvalidAsync(string tenant)
    {
        await using var connection = new NpgsqlConnection(app.Database);
        await connection.OpenAsync(Ct);
        await using var count = new NpgsqlCommand("""
            select count(*) from tool_execution.mt_events rejected
            join tool_execution.mt_events started on started.stream_id = rejected.stream_id
            where rejected.data::text like '%invalid_arguments%' and started.data::text like '%' || @tenant || '%'
            """, connection);
        count.Parameters.AddWithValue("tenant", tenant);
        return (long)(await count.ExecuteScalarAsync(Ct))!;
    }
}
