using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using Npgsql;
using Platform.Testing;
using Platform.ToolExecution.Conformance;

namespace Platform.ToolExecution.Tests;

/// <summary>ToolExecution (stateless, in memory) with <c>Conformance:Enabled=true</c>.</summary>
public sealed class ConformanceFixturesApp(PlatformInfrastructure infrastructure) : McpApp(infrastructure)
{
    protected override IReadOnlyDictionary<string, string?> ExtraSettings => new Dictionary<string, string?> { ["Conformance:Enabled"] = "true" };
}

/// <summary>The fixtures sit behind the same pipeline as every other tool: credential, tool patterns, validation, record.</summary>
public sealed class ConformanceFixtureTests(ConformanceFixturesApp app) : IClassFixture<ConformanceFixturesApp>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_fixture_call_is_recorded_like_any_tool_call()
    {
        await using var client = await app.ClientAsync(await app.KeyAsync(["tools:list", "tools:call"], ["test_*"]));
        // The first call of a fresh database creates the event store's tables; count after one.
        await client.CallToolAsync("test_simple_text", cancellationToken: Ct);
        var before = await CountCallStreamsAsync();

        var result = await client.CallToolAsync("test_simple_text", cancellationToken: Ct);

        Assert.Equal("This is a simple text response for testing.", Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text);
        Assert.Equal(before + 1, await CountCallStreamsAsync());
    }

    [Fact]
    public async Task Fixture_calls_count_against_the_keys_rate_limit()
    {
        using var http = app.Tools.CreateClient();
        http.DefaultRequestHeaders.Accept.ParseAdd("application/json");
        http.DefaultRequestHeaders.Accept.ParseAdd("text/event-stream");
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer",
            await app.KeyAsync(["tools:call"], ["test_*"], plan: "tiny"));
        const string call = """{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"test_simple_text","arguments":{}}}""";

        var statuses = new List<System.Net.HttpStatusCode>();
        for (var i = 0; i < 4; i++)
        {
            statuses.Add((await http.PostAsync("/mcp", new StringContent(call, System.Text.Encoding.UTF8, "application/json"), Ct)).StatusCode);
        }

        // The "tiny" plan of the test Auth admits 3 calls a minute per key.
        Assert.Equal([System.Net.HttpStatusCode.OK, System.Net.HttpStatusCode.OK, System.Net.HttpStatusCode.OK, System.Net.HttpStatusCode.TooManyRequests], statuses);
    }

    [Fact]
    public async Task Tool_patterns_hide_and_refuse_the_fixtures_like_any_tool()
    {
        await using var client = await app.ClientAsync(await app.KeyAsync(["tools:list", "tools:call"], ["echo"]));

        var tools = await client.ListToolsAsync(cancellationToken: Ct);
        var refused = await Assert.ThrowsAsync<McpProtocolException>(async () => await client.CallToolAsync("test_simple_text", cancellationToken: Ct));

        Assert.DoesNotContain(tools, t => t.Name.StartsWith("test_", StringComparison.Ordinal));
        Assert.Contains("not available to this credential", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Fixture_arguments_are_validated_against_their_schema()
    {
        await using var client = await app.ClientAsync(await app.KeyAsync(["tools:call"], ["test_*"]));

        var invalid = await Assert.ThrowsAsync<McpProtocolException>(async () =>
            await client.CallToolAsync("test_sampling", new Dictionary<string, object?> { ["prompt"] = 42 }, cancellationToken: Ct));

        Assert.Equal(McpErrorCode.InvalidParams, invalid.ErrorCode);
        Assert.Contains("'prompt'", invalid.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Resources_prompts_and_completion_answer_an_authenticated_client()
    {
        await using var client = await app.ClientAsync(await app.KeyAsync(["tools:list"]));

        var resources = await client.ListResourcesAsync(cancellationToken: Ct);
        var template = await client.ReadResourceAsync("test://template/123/data", cancellationToken: Ct);
        var prompt = await client.GetPromptAsync("test_prompt_with_arguments", new Dictionary<string, object?> { ["arg1"] = "hello", ["arg2"] = "world" }, cancellationToken: Ct);

        Assert.Contains(resources, r => r.Uri == "test://static-text");
        Assert.Contains("123", Assert.IsType<TextResourceContents>(Assert.Single(template.Contents)).Text, StringComparison.Ordinal);
        Assert.Equal("Prompt with arguments: arg1='hello', arg2='world'", Assert.IsType<TextContentBlock>(Assert.Single(prompt.Messages).Content).Text);
    }

    [Fact]
    public async Task Sampling_in_stateless_mode_answers_with_a_tool_error_saying_why()
    {
        await using var client = await app.ClientAsync(await app.KeyAsync(["tools:call"], ["test_*"]));

        var result = await client.CallToolAsync("test_sampling", new Dictionary<string, object?> { ["prompt"] = "hi" }, cancellationToken: Ct);

        Assert.True(result.IsError);
        Assert.Contains("stateful mode", Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("par", new[] { "paris", "park", "party" })]
    [InlineData("TEST", new[] { "test", "testing" })]
    [InlineData("zzz", new string[0])]
    public void Completion_offers_the_words_that_start_with_the_typed_value(string typed, string[] expected)
    {
        var result = ConformanceServer.Complete(new CompleteRequestParams
        {
            Ref = new PromptReference { Name = "test_prompt_with_arguments" },
            Argument = new Argument { Name = "arg1", Value = typed },
        });

        Assert.Equal(expected, result.Completion.Values);
        Assert.Equal(expected.Length, result.Completion.Total);
    }

    private async Task<long> CountCallStreamsAsync()
    {
        await using var connection = new NpgsqlConnection(app.Database);
        await connection.OpenAsync(Ct);
        await using var count = new NpgsqlCommand("select count(*) from tool_execution.mt_streams", connection);
        return (long)(await count.ExecuteScalarAsync(Ct))!;
    }
}

/// <summary>Without <c>Conformance:Enabled</c> the fixtures do not exist.</summary>
public sealed class ConformanceOffByDefaultTests(McpApp app) : IClassFixture<McpApp>
{
    [Fact]
    public async Task Without_the_switch_no_fixture_is_listed_or_callable()
    {
        await using var client = await app.ClientAsync(await app.KeyAsync(["tools:list", "tools:call"], ["*"]));

        var tools = await client.ListToolsAsync(cancellationToken: TestContext.Current.CancellationToken);
        var refused = await Assert.ThrowsAsync<McpProtocolException>(async () =>
            await client.CallToolAsync("test_simple_text", cancellationToken: TestContext.Current.CancellationToken));

        Assert.Contains(tools, t => t.Name == "echo");
        Assert.DoesNotContain(tools, t => t.Name.StartsWith("test_", StringComparison.Ordinal));
        Assert.Contains("not available to this credential", refused.Message, StringComparison.Ordinal);
        Assert.Null(client.ServerCapabilities.Resources);
        Assert.Null(client.ServerCapabilities.Prompts);
    }
}
