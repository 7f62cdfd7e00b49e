using System.Text.Json;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace Platform.ToolExecution.Tests;

public sealed class FileToolTests(McpApp app) : IClassFixture<McpApp>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string TextOf(CallToolResult result) => Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text;

    private static Task<CallToolResult> CallAsync(McpClient client, string tool, params (string Name, object? Value)[] arguments) =>
        client.CallToolAsync(tool, arguments.ToDictionary(a => a.Name, a => a.Value), cancellationToken: Ct).AsTask();

    private async Task<(McpClient Client, string Tenant)> TenantClientAsync()
    {
        var tenant = "t" + Guid.NewGuid().ToString("N")[..10];
        var key = await app.KeyAsync(["tools:list", "tools:call"], tenant: tenant);
        return (await app.ClientAsync(key), tenant);
    }

    [Fact]
    public async Task A_written_file_can_be_listed_and_read_back()
    {
        var (client, _) = await TenantClientAsync();
        await using var _client = client;

        var written = await CallAsync(client, "fs_write", ("path", "notes/today.txt"), ("content", "héllo workspace"));
        var listing = await CallAsync(client, "fs_list", ("path", "notes"));
        var root = await CallAsync(client, "fs_list");
        var read = await CallAsync(client, "fs_read", ("path", "notes/today.txt"));

        Assert.NotEqual(true, written.IsError);
        Assert.Equal("héllo workspace", TextOf(read));
        var entry = Assert.Single(JsonDocument.Parse(TextOf(listing)).RootElement.GetProperty("entries").EnumerateArray());
        Assert.Equal("today.txt", entry.GetProperty("name").GetString());
        Assert.Equal("file", entry.GetProperty("type").GetString());
        Assert.Equal(16, entry.GetProperty("size").GetInt64());
        Assert.Equal("directory", Assert.Single(JsonDocument.Parse(TextOf(root)).RootElement.GetProperty("entries").EnumerateArray()).GetProperty("type").GetString());
    }

    [Fact]
    public async Task The_file_tools_are_listed_with_their_argument_schemas()
    {
        var (client, _) = await TenantClientAsync();
        await using var _client = client;

        var tools = await client.ListToolsAsync(cancellationToken: Ct);

        var write = Assert.Single(tools, t => t.Name == "fs_write");
        var properties = write.ProtocolTool.InputSchema.GetProperty("properties").EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal);
        Assert.Equal(["content", "path"], properties);
        Assert.Contains(tools, t => t.Name == "fs_read");
        Assert.Contains(tools, t => t.Name == "fs_list");
    }

    [Fact]
    public async Task A_tenant_cannot_see_or_read_another_tenants_files()
    {
        var (alice, aliceTenant) = await TenantClientAsync();
        var (bob, _) = await TenantClientAsync();
        await using var _alice = alice;
        await using var _bob = bob;
        Assert.NotEqual(true, (await CallAsync(alice, "fs_write", ("path", "secret.txt"), ("content", "alice only"))).IsError);

        var sameName = await CallAsync(bob, "fs_read", ("path", "secret.txt"));
        var traversal = await CallAsync(bob, "fs_read", ("path", $"../{aliceTenant}/secret.txt"));
        var bobsRoot = await CallAsync(bob, "fs_list");

        Assert.True(sameName.IsError);
        Assert.True(traversal.IsError);
        Assert.Empty(JsonDocument.Parse(TextOf(bobsRoot)).RootElement.GetProperty("entries").EnumerateArray());
    }

    [Fact]
    public async Task Writes_beyond_the_size_limit_or_the_quota_are_refused()
    {
        var (client, _) = await TenantClientAsync();
        await using var _client = client;

        var tooBig = await CallAsync(client, "fs_write", ("path", "big.txt"), ("content", new string('x', 2049)));
        var first = await CallAsync(client, "fs_write", ("path", "a.txt"), ("content", new string('x', 2000)));
        var second = await CallAsync(client, "fs_write", ("path", "b.txt"), ("content", new string('x', 2000)));
        var third = await CallAsync(client, "fs_write", ("path", "c.txt"), ("content", new string('x', 2000)));
        var replaced = await CallAsync(client, "fs_write", ("path", "a.txt"), ("content", new string('y', 2000)));

        Assert.True(tooBig.IsError);
        Assert.Contains("exceeds the limit of 2048", TextOf(tooBig), StringComparison.Ordinal);
        Assert.NotEqual(true, first.IsError);
        Assert.NotEqual(true, second.IsError);
        Assert.True(third.IsError);
        Assert.Contains("quota is 4096", TextOf(third), StringComparison.Ordinal);
        Assert.NotEqual(true, replaced.IsError);
    }

    public static TheoryData<string> HostilePaths => new()
    {
        "..",
        "../x",
        "../../../../etc/passwd",
        "a/../../x",
        "a/../b",
        "./x",
        "a/./b",
        "...",
        "a/.../b",
        "/etc/passwd",
        "//server/share/x",
        "/",
        "a//b",
        "a/",
        "%2e%2e/x",
        "..%2fx",
        "%2e%2e%2f%2e%2e%2fetc%2fpasswd",
        "%252e%252e/x",
        "..%5cx",
        "..\\x",
        "a\\..\\..\\x",
        "C:\\Windows\\win.ini",
        "C:/x",
        "file:///etc/passwd",
        "x\0.txt",
        "a\u0000/../../x",
        "a\nb",
        "\u202Etxt.exe",
        "a\u200B/x",
        new string('a', 1100),
        new string('b', 300),
        "escape/passwd",
        "escape",
        "escape-file",
        "dangling",
        "loop/x",
        "inner/escape/passwd",
    };

    [Theory]
    [MemberData(nameof(HostilePaths))]
    public async Task A_hostile_path_is_a_tool_error_that_names_no_server_path(string path)
    {
        var (client, tenant) = await TenantClientAsync();
        await using var _client = client;
        var outside = PlantEscapeLinks(tenant);

        CallToolResult[] results =
        [
            await CallAsync(client, "fs_read", ("path", path)),
            await CallAsync(client, "fs_write", ("path", path), ("content", "pwned")),
            await CallAsync(client, "fs_list", ("path", path)),
        ];

        foreach (var result in results)
        {
            Assert.True(result.IsError, TextOf(result));
            Assert.DoesNotContain(app.WorkspacesRoot, TextOf(result), StringComparison.Ordinal);
            Assert.DoesNotContain(outside, TextOf(result), StringComparison.Ordinal);
        }

        Assert.Equal(["passwd"], Directory.EnumerateFileSystemEntries(outside).Select(Path.GetFileName));
        Assert.Equal("root:x:0:0", File.ReadAllText(Path.Join(outside, "passwd")));
    }

    /// <summary>Links from the tenant's workspace to a folder next to it, the way a shared upstream could plant them.</summary>
    private string PlantEscapeLinks(string tenant)
    {
        var workspace = Directory.CreateDirectory(Path.Join(app.WorkspacesRoot, tenant)).FullName;
        var outside = Directory.CreateDirectory(Path.Join(app.WorkspacesRoot, tenant + "-outside")).FullName;
        File.WriteAllText(Path.Join(outside, "passwd"), "root:x:0:0");
        Directory.CreateSymbolicLink(Path.Join(workspace, "escape"), outside);
        File.CreateSymbolicLink(Path.Join(workspace, "escape-file"), Path.Join(outside, "passwd"));
        File.CreateSymbolicLink(Path.Join(workspace, "dangling"), Path.Join(outside, "created-through-link"));
        Directory.CreateSymbolicLink(Path.Join(workspace, "loop"), Path.Join(workspace, "loop"));
        Directory.CreateDirectory(Path.Join(workspace, "inner"));
        Directory.CreateSymbolicLink(Path.Join(workspace, "inner", "escape"), "../escape");
        return outside;
    }
}
