using System.Text.Json;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using Platform.Provisioning;
using Platform.Testing;

namespace Platform.ToolExecution.Tests;

/// <summary>
/// ToolExecution with <c>@modelcontextprotocol/server-everything</c> (installed into <c>eng/node</c> on first use)
/// as the stdio upstream <c>everything</c>. A marker argument lets the tests find its processes in <c>/proc</c>.
/// </summary>
public sealed class EverythingApp(PlatformInfrastructure infrastructure) : McpApp(infrastructure)
{
    public static readonly string? Node = FindNode();

    public string Marker { get; } = "--platform-test-" + Guid.NewGuid().ToString("N");

    public static string ServerScript => Path.Join(RepositoryRoot(), "eng", "node", "node_modules", "@modelcontextprotocol", "server-everything", "dist", "index.js");

    public static string ConcurrencyScript => Path.Join(RepositoryRoot(), "eng", "node", "test-servers", "concurrency.mjs");

    public static string BrokenScript => Path.Join(RepositoryRoot(), "eng", "node", "test-servers", "broken.mjs");

    protected override IReadOnlyDictionary<string, string?> ExtraSettings => new Dictionary<string, string?>
    {
        ["Upstreams:everything:Command"] = Node ?? "node",
        ["Upstreams:everything:Args:0"] = ServerScript,
        ["Upstreams:everything:Args:1"] = "stdio",
        ["Upstreams:everything:Args:2"] = Marker,
        ["Upstreams:everything:Env:PLATFORM_UPSTREAM_VISIBLE"] = "configured",
        ["Upstreams:everything:Timeout"] = "00:00:03",
        ["Upstreams:everything:MaxOutputBytes"] = "4096",
        ["Upstreams:everything:MaxConcurrency"] = "2",
        ["Upstreams:everything:MaxRestartBackoff"] = "00:00:01",
        ["Upstreams:counter:Command"] = Node ?? "node",
        ["Upstreams:counter:Args:0"] = ConcurrencyScript,
        ["Upstreams:counter:Args:1"] = Marker,
        ["Upstreams:counter:MaxConcurrency"] = "2",
        ["Upstreams:broken:Command"] = Node ?? "node",
        ["Upstreams:broken:Args:0"] = BrokenScript,
        ["Upstreams:broken:Args:1"] = Marker,
        ["Upstreams:broken:Timeout"] = "00:00:01",
    };

    /// <summary>Process ids whose command line carries this fixture's marker.</summary>
    public IReadOnlyList<int> UpstreamProcesses() =>
        [.. Directory.EnumerateDirectories("/proc")
            .Select(dir => (Pid: int.TryParse(Path.GetFileName(dir), out var pid) ? pid : 0, Dir: dir))
            .Where(p => p.Pid > 0 && CommandLine(p.Dir).Contains(Marker, StringComparison.Ordinal))
            .Select(p => p.Pid)];

    public override async ValueTask InitializeAsync()
    {
        if (Node is not null)
        {
            await NodePackages.EnsureInstalledAsync(Path.Join(RepositoryRoot(), "eng", "node"), ServerScript);
        }

        await base.InitializeAsync();
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        var left = UpstreamProcesses();
        if (left.Count > 0)
        {
            throw new InvalidOperationException($"upstream processes left running after the service stopped: {string.Join(", ", left)}");
        }
    }

    private static string CommandLine(string procDir)
    {
        try
        {
            return File.ReadAllText(Path.Join(procDir, "cmdline"));
        }
        catch (IOException)
        {
            return "";
        }
        catch (UnauthorizedAccessException)
        {
            return "";
        }
    }

    private static string? FindNode() =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Join(dir, "node")).FirstOrDefault(File.Exists);

    internal static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Join(dir.FullName, "Platform.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("repository root (Platform.sln) not found above " + AppContext.BaseDirectory);
    }
}

public sealed class UpstreamTests(EverythingApp app) : IClassFixture<EverythingApp>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string TextOf(CallToolResult result) => Assert.IsType<TextContentBlock>(result.Content[0]).Text;

    /// <summary>Skips only when node is missing; a missing npm install is a failure with the fix in its message.</summary>
    private async Task<McpClient> ReadyClientAsync()
    {
        Assert.SkipWhen(EverythingApp.Node is null, "node is not installed, so the stdio upstream server-everything cannot run.");
        Assert.True(File.Exists(EverythingApp.ServerScript), $"server-everything is not installed: run 'npm ci' in eng/node ({EverythingApp.ServerScript}).");
        var client = await app.ClientAsync(await app.KeyAsync(["tools:list", "tools:call"]));
        await client.UntilListedAsync("the upstream's tools", "everything.echo");

        return client;
    }

    private static ValueTask<CallToolResult> CallAsync(McpClient client, string tool, object arguments) =>
        client.CallToolAsync(tool, JsonSerializer.Deserialize<Dictionary<string, object?>>(JsonSerializer.Serialize(arguments)), cancellationToken: Ct);

    [Fact]
    public async Task Upstream_tools_are_listed_with_their_schemas_and_proxied()
    {
        await using var client = await ReadyClientAsync();

        var tools = await client.ListToolsAsync(cancellationToken: Ct);
        var echo = await CallAsync(client, "everything.echo", new { message = "through the proxy" });

        var schema = Assert.Single(tools, t => t.Name == "everything.echo").ProtocolTool.InputSchema;
        Assert.Equal("string", schema.GetProperty("properties").GetProperty("message").GetProperty("type").GetString());
        Assert.NotEqual(true, echo.IsError);
        Assert.Contains("through the proxy", TextOf(echo), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_upstream_sees_only_its_configured_environment_and_path()
    {
        await using var client = await ReadyClientAsync();

        var env = JsonDocument.Parse(TextOf(await CallAsync(client, "everything.get-env", new { }))).RootElement;

        // bubblewrap sets PWD for the directory it starts in; nothing else comes from the service's environment.
        Assert.Equal(["PATH", "PLATFORM_UPSTREAM_VISIBLE"], env.EnumerateObject().Select(p => p.Name).Where(n => n != "PWD").Order(StringComparer.Ordinal));
        Assert.Equal("configured", env.GetProperty("PLATFORM_UPSTREAM_VISIBLE").GetString());
    }

    [Fact]
    public async Task Arguments_are_checked_against_the_upstream_schema_before_the_call()
    {
        await using var client = await ReadyClientAsync();

        var error = await Assert.ThrowsAsync<McpProtocolException>(() => CallAsync(client, "everything.echo", new { message = 7 }).AsTask());

        Assert.Equal(McpErrorCode.InvalidParams, error.ErrorCode);
        Assert.Contains("'message'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Output_over_the_cap_is_replaced_by_a_tool_error()
    {
        await using var client = await ReadyClientAsync();

        var result = await CallAsync(client, "everything.echo", new { message = new string('x', 5000) });

        Assert.True(result.IsError);
        Assert.Contains("the limit is 4096", TextOf(result), StringComparison.Ordinal);
    }

    [Fact]
    public async Task No_more_calls_than_the_concurrency_cap_reach_the_upstream_at_once()
    {
        await using var client = await ReadyClientAsync();
        await client.UntilListedAsync("the counter upstream's tools", "counter.slow");

        var calls = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => CallAsync(client, "counter.slow", new { ms = 200 }).AsTask()));
        var max = await CallAsync(client, "counter.max-in-flight", new { });

        Assert.All(calls, call => Assert.NotEqual(true, call.IsError));
        Assert.Equal("2", TextOf(max));
    }

    [Fact]
    public async Task An_upstream_answering_with_broken_json_rpc_gives_a_tool_error()
    {
        await using var client = await ReadyClientAsync();
        await client.UntilListedAsync("the broken upstream's tool", "broken.garble");

        var result = await CallAsync(client, "broken.garble", new { });
        var echo = await CallAsync(client, "everything.echo", new { message = "still fine" });

        Assert.True(result.IsError);
        Assert.Contains("upstream 'broken'", TextOf(result), StringComparison.Ordinal);
        Assert.NotEqual(true, echo.IsError);
    }

    [Fact]
    public async Task A_call_over_the_upstream_timeout_is_cancelled_and_reported()
    {
        await using var client = await ReadyClientAsync();

        var result = await CallAsync(client, "everything.trigger-long-running-operation", new { duration = 30, steps = 30 });

        Assert.True(result.IsError);
        Assert.Contains("did not answer within 3 s", TextOf(result), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_killed_upstream_is_restarted_and_answers_again()
    {
        await using var client = await ReadyClientAsync();
        Assert.NotEqual(true, (await CallAsync(client, "everything.echo", new { message = "before" })).IsError);

        foreach (var pid in app.UpstreamProcesses())
        {
            try
            {
                System.Diagnostics.Process.GetProcessById(pid).Kill(entireProcessTree: true);
            }
            catch (ArgumentException)
            {
                // Already gone: killing bwrap's child ends the others.
            }
        }

        var after = await Poll.ValueAsync(() => CallAsync(client, "everything.echo", new { message = "after" }).AsTask(), result => result.IsError != true,
            TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(50));
        Assert.True(after.IsError != true, "the upstream was not restarted within 30 s: " + TextOf(after));

        Assert.Contains("after", TextOf(after), StringComparison.Ordinal);
    }
}
