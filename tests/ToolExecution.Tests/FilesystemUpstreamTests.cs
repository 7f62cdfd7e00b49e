using System.Text.Json;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using Platform.Provisioning;
using Platform.Testing;

namespace Platform.ToolExecution.Tests;

/// <summary>
/// <c>@modelcontextprotocol/server-filesystem</c> over stdio as two upstreams: <c>files</c>, allowed one temporary
/// folder that its configuration makes writable, and <c>wide</c>, allowed all of <c>/tmp</c> and <see cref="Outside"/>,
/// where only our sandbox (a private <c>/tmp</c>, a read-only system) stands between it and the host.
/// </summary>
public sealed class FilesystemApp(PlatformInfrastructure infrastructure) : McpApp(infrastructure)
{
    public static string ServerScript => Path.Join(EverythingApp.RepositoryRoot(), "eng", "node", "node_modules", "@modelcontextprotocol", "server-filesystem", "dist", "index.js");

    /// <summary>The folder <c>files</c> may use.</summary>
    public string Allowed { get; } = Directory.CreateTempSubdirectory("platform-fs-allowed-").FullName;

    /// <summary>Outside every allowed folder but visible inside the sandbox (read-only), so only the server's own check refuses it.</summary>
    public string Outside { get; } = Directory.CreateDirectory(Path.Join(AppContext.BaseDirectory, "fs-outside-" + Guid.NewGuid().ToString("N"))).FullName;

    /// <summary>A host temporary folder that <c>wide</c>'s own checks would allow; the sandbox's private /tmp hides it.</summary>
    public string HiddenByTheSandbox { get; } = Directory.CreateTempSubdirectory("platform-fs-hidden-").FullName;

    protected override IReadOnlyDictionary<string, string?> ExtraSettings => new Dictionary<string, string?>
    {
        ["Upstreams:files:Command"] = EverythingApp.Node ?? "node",
        ["Upstreams:files:Args:0"] = ServerScript,
        ["Upstreams:files:Args:1"] = Allowed,
        ["Upstreams:files:WritableFolders:0"] = Allowed,
        ["Upstreams:files:Timeout"] = "00:00:10",
        ["Upstreams:wide:Command"] = EverythingApp.Node ?? "node",
        ["Upstreams:wide:Args:0"] = ServerScript,
        ["Upstreams:wide:Args:1"] = "/tmp",
        ["Upstreams:wide:Args:2"] = Outside,
        ["Upstreams:wide:Timeout"] = "00:00:10",
    };

    public override async ValueTask InitializeAsync()
    {
        File.WriteAllText(Path.Join(Allowed, "notes.txt"), "hello from the allowed folder");
        File.WriteAllText(Path.Join(Outside, "secret.txt"), "outside secret");
        File.CreateSymbolicLink(Path.Join(Allowed, "escape.txt"), Path.Join(Outside, "secret.txt"));
        File.WriteAllText(Path.Join(HiddenByTheSandbox, "secret.txt"), "host temp secret");
        if (EverythingApp.Node is not null)
        {
            // Probe server-filesystem itself: a node_modules from before it was added must be brought up to date.
            await NodePackages.EnsureInstalledAsync(Path.Join(EverythingApp.RepositoryRoot(), "eng", "node"), ServerScript);
        }

        await base.InitializeAsync();
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        foreach (var folder in new[] { Allowed, Outside, HiddenByTheSandbox })
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}

public sealed class FilesystemUpstreamTests(FilesystemApp app) : IClassFixture<FilesystemApp>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string TextOf(CallToolResult result) => string.Concat(result.Content.OfType<TextContentBlock>().Select(b => b.Text));

    private static ValueTask<CallToolResult> CallAsync(McpClient client, string tool, object arguments) =>
        client.CallToolAsync(tool, JsonSerializer.Deserialize<Dictionary<string, object?>>(JsonSerializer.Serialize(arguments)), cancellationToken: Ct);

    private async Task<McpClient> ReadyClientAsync()
    {
        Assert.SkipWhen(EverythingApp.Node is null, "node is not installed, so the stdio upstream server-filesystem cannot run.");
        Assert.True(File.Exists(FilesystemApp.ServerScript), $"server-filesystem is not installed: run 'npm ci' in eng/node ({FilesystemApp.ServerScript}).");
        var client = await app.ClientAsync(await app.KeyAsync(["tools:list", "tools:call"], ["files.*", "wide.*"]));
        await client.UntilListedAsync("server-filesystem's tools", "files.read_text_file", "wide.read_text_file");

        return client;
    }

    [Fact]
    public async Task Its_tools_are_exposed_under_the_upstream_name_with_their_schemas()
    {
        await using var client = await ReadyClientAsync();

        var tools = await client.ListToolsAsync(cancellationToken: Ct);

        Assert.Contains(tools, t => t.Name == "files.list_directory");
        Assert.Contains(tools, t => t.Name == "files.write_file");
        var read = Assert.Single(tools, t => t.Name == "files.read_text_file").ProtocolTool.InputSchema;
        Assert.Equal("string", read.GetProperty("properties").GetProperty("path").GetProperty("type").GetString());
    }

    [Fact]
    public async Task Reading_and_listing_inside_the_allowed_folder_work()
    {
        await using var client = await ReadyClientAsync();

        var read = await CallAsync(client, "files.read_text_file", new { path = Path.Join(app.Allowed, "notes.txt") });
        var list = await CallAsync(client, "files.list_directory", new { path = app.Allowed });

        Assert.NotEqual(true, read.IsError);
        Assert.Contains("hello from the allowed folder", TextOf(read), StringComparison.Ordinal);
        Assert.NotEqual(true, list.IsError);
        Assert.Contains("notes.txt", TextOf(list), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Its_own_checks_refuse_paths_and_symlinks_that_leave_the_allowed_folder()
    {
        await using var client = await ReadyClientAsync();

        var outside = await CallAsync(client, "files.read_text_file", new { path = Path.Join(app.Outside, "secret.txt") });
        var dotDot = await CallAsync(client, "files.read_text_file", new { path = Path.Join(app.Allowed, "..", "..", app.Outside.TrimStart('/'), "secret.txt") });
        var symlink = await CallAsync(client, "files.read_text_file", new { path = Path.Join(app.Allowed, "escape.txt") });

        Assert.All([outside, dotDot, symlink], result =>
        {
            Assert.True(result.IsError, TextOf(result));
            Assert.Contains("Access denied", TextOf(result), StringComparison.Ordinal);
            Assert.DoesNotContain("outside secret", TextOf(result), StringComparison.Ordinal);
        });
    }

    [Fact]
    public async Task A_configured_writable_folder_takes_writes_through_to_the_host()
    {
        await using var client = await ReadyClientAsync();
        var created = Path.Join(app.Allowed, "created-" + Guid.NewGuid().ToString("N") + ".txt");

        var write = await CallAsync(client, "files.write_file", new { path = created, content = "written through the upstream" });

        Assert.NotEqual(true, write.IsError);
        Assert.Equal("written through the upstream", File.ReadAllText(created));
    }

    [Fact]
    public async Task Where_the_server_would_allow_it_the_sandbox_still_hides_host_temp_files_and_refuses_writes()
    {
        Assert.SkipWhen(!File.Exists("/usr/bin/bwrap") && !File.Exists("/bin/bwrap"), "bubblewrap is not installed, so stdio upstreams run without the file-system sandbox.");
        await using var client = await ReadyClientAsync();
        var inPrivateTmp = Path.Join("/tmp", "platform-fs-written-" + Guid.NewGuid().ToString("N") + ".txt");
        var onReadOnlySystem = Path.Join(app.Outside, "created.txt");

        var hidden = await CallAsync(client, "wide.read_text_file", new { path = Path.Join(app.HiddenByTheSandbox, "secret.txt") });
        var tmpWrite = await CallAsync(client, "wide.write_file", new { path = inPrivateTmp, content = "should stay in the sandbox" });
        var readOnly = await CallAsync(client, "wide.write_file", new { path = onReadOnlySystem, content = "no" });

        Assert.True(hidden.IsError, TextOf(hidden));
        Assert.DoesNotContain("host temp secret", TextOf(hidden), StringComparison.Ordinal);
        // The server allowed and made this write; it landed in the sandbox's private /tmp, not on the host.
        Assert.NotEqual(true, tmpWrite.IsError);
        Assert.False(File.Exists(inPrivateTmp), "a write inside the sandbox's private /tmp reached the host");
        Assert.True(readOnly.IsError, TextOf(readOnly));
        Assert.Contains("read-only file system", TextOf(readOnly), StringComparison.Ordinal);
        Assert.False(File.Exists(onReadOnlySystem));
    }
}
